// deno bench: unifiedFocalLoss forward+backward on segmentation masks, fused
// and composed, at 2^12, 2^16 and 2^20 elements (images × H × W × 1) on
// FOCAL_BACKEND; γ = 0.5, λ = 0.5, δ = 0.6.
import type * as tf from "@tensorflow/tfjs";
import { maskInputs } from "./_inputs.ts";
import { benchExact, benchGradient, GAMMA, SIZES } from "./_setup.ts";
import { unifiedFocalLoss, type UnifiedFocalLossOptions } from "../mod.ts";

const LOSS = "unifiedFocalLoss";

for (const size of SIZES) {
  const inputs = () => maskInputs(size);
  const ours = (options: UnifiedFocalLossOptions) => (x: tf.Tensor, t: tf.Tensor) =>
    unifiedFocalLoss(x, t, { gamma: GAMMA, weight: 0.5, delta: 0.6, ...options });
  benchGradient(
    { loss: LOSS, size, name: "none (composed)", baseline: true, fused: false },
    inputs,
    ours({ stabilization: "none" }),
  );
  benchExact(LOSS, "unified", size, inputs, ours({ stabilization: "exact" }));
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
