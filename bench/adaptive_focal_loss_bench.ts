// deno bench: adaptiveFocalLoss forward+backward on segmentation masks, fused
// and composed, at 2^12, 2^16 and 2^20 pixels on FOCAL_BACKEND. γ is adaptive,
// computed from each call's masks (a read of the targets, which the timings
// include) — except on webgpu, which cannot read synchronously in Deno: there
// γ is given, GAMMA as in the other benches.
import type * as tf from "@tensorflow/tfjs";
import { maskInputs } from "./_inputs.ts";
import { BACKEND, benchModes, GAMMA, SIZES } from "./_setup.ts";
import { adaptiveFocalLoss } from "../mod.ts";

const LOSS = "adaptiveFocalLoss";
const gamma = BACKEND === "webgpu" ? GAMMA : "adaptive";

for (const size of SIZES) {
  benchModes(
    LOSS,
    "sigmoid",
    size,
    () => maskInputs(size),
    (options) => (x: tf.Tensor, t: tf.Tensor) => adaptiveFocalLoss(x, t, { gamma, ...options }),
  );
}
