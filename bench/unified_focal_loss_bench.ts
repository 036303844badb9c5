// deno bench: unifiedFocalLoss forward+backward on segmentation masks, fused
// and composed, at 2^12, 2^16 and 2^20 elements (images × H × W × 1) on
// FOCAL_BACKEND; γ = 0.5, λ = 0.5, δ = 0.6.
import * as tf from "@tensorflow/tfjs";
import { benchGradient, GAMMA, SIZES } from "./_setup.ts";
import { unifiedFocalLoss, type UnifiedFocalLossOptions } from "../mod.ts";

const LOSS = "unifiedFocalLoss";

/** [images, side, side, 1] of `size` elements: 4 of 32² at 2^12, 16 images above. */
function maskShape(size: number): [number, number, number, number] {
  const images = size <= 2 ** 12 ? 4 : 16;
  const side = Math.sqrt(size / images);
  return [images, side, side, 1];
}

for (const size of SIZES) {
  const shape = maskShape(size);
  // Logits N(0, 4²); masks with 30% foreground.
  const inputs = () => ({
    x: tf.mul(tf.randomNormal(shape, 0, 1, "float32", 1), 4),
    t: tf.cast(tf.less(tf.randomUniform(shape, 0, 1, "float32", 2), 0.3), "float32"),
  });
  const ours = (options: UnifiedFocalLossOptions) => (x: tf.Tensor, t: tf.Tensor) =>
    unifiedFocalLoss(x, t, { gamma: GAMMA, weight: 0.5, delta: 0.6, ...options });
  benchGradient(
    { loss: LOSS, size, name: "none (composed)", baseline: true, fused: false },
    inputs,
    ours({ stabilization: "none" }),
  );
  benchGradient({ loss: LOSS, size, name: "exact" }, inputs, ours({ stabilization: "exact" }));
  benchGradient(
    { loss: LOSS, size, name: "exact (composed)", fused: false },
    inputs,
    ours({ stabilization: "exact" }),
  );
  benchGradient({ loss: LOSS, size, name: "none" }, inputs, ours({ stabilization: "none" }));
  benchGradient(
    { loss: LOSS, size, name: "epsilon 0.001" },
    inputs,
    ours({ stabilization: "epsilon", epsilon: 1e-3 }),
  );
}
