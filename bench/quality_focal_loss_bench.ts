// deno bench: qualityFocalLoss forward+backward on soft IoU-like targets,
// fused and composed, at 2^12, 2^16 and 2^20 elements on FOCAL_BACKEND.
// β = γ of the other benches (0.5, where the original form is singular).
import type * as tf from "@tensorflow/tfjs";
import { qualityInputs } from "./_inputs.ts";
import { benchExact, benchGradient, GAMMA, SIZES } from "./_setup.ts";
import { qualityFocalLoss, type QualityFocalLossOptions } from "../mod.ts";

const LOSS = "qualityFocalLoss";

for (const size of SIZES) {
  const inputs = () => qualityInputs(size);
  const ours = (options: QualityFocalLossOptions) => (x: tf.Tensor, t: tf.Tensor) =>
    qualityFocalLoss(x, t, { beta: GAMMA, reduction: "mean", ...options });
  benchGradient(
    { loss: LOSS, size, name: "none (composed)", baseline: true, fused: false },
    inputs,
    ours({ stabilization: "none" }),
  );
  benchExact(LOSS, "quality", size, inputs, ours({ stabilization: "exact" }));
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
