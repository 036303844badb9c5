// deno bench: qualityFocalLoss forward+backward on soft IoU-like targets,
// fused and composed, at 2^12, 2^16 and 2^20 elements on FOCAL_BACKEND.
// β = γ of the other benches (0.5, where the original form is singular).
import type * as tf from "@tensorflow/tfjs";
import { qualityInputs } from "./_inputs.ts";
import { benchModes, GAMMA, SIZES } from "./_setup.ts";
import { qualityFocalLoss } from "../mod.ts";

const LOSS = "qualityFocalLoss";

for (const size of SIZES) {
  benchModes(
    LOSS,
    "quality",
    size,
    () => qualityInputs(size),
    (options) => (x: tf.Tensor, t: tf.Tensor) =>
      qualityFocalLoss(x, t, { beta: GAMMA, reduction: "mean", ...options }),
  );
}
