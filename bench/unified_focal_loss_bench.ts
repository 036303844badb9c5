// deno bench: unifiedFocalLoss forward+backward on segmentation masks, fused
// and composed, at 2^12, 2^16 and 2^20 elements (images × H × W × 1) on
// FOCAL_BACKEND; γ = 0.5, λ = 0.5, δ = 0.6.
import type * as tf from "@tensorflow/tfjs";
import { maskInputs } from "./_inputs.ts";
import { benchModes, GAMMA, SIZES } from "./_setup.ts";
import { unifiedFocalLoss } from "../mod.ts";

const LOSS = "unifiedFocalLoss";

for (const size of SIZES) {
  benchModes(
    LOSS,
    "unified",
    size,
    () => maskInputs(size),
    (options) => (x: tf.Tensor, t: tf.Tensor) =>
      unifiedFocalLoss(x, t, { gamma: GAMMA, weight: 0.5, delta: 0.6, ...options }),
  );
}
