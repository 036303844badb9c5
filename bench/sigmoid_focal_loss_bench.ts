// deno bench: sigmoidFocalLoss forward+backward, ε × mode, against the naive
// tf composition, at 2^12, 2^16 and 2^20 elements on FOCAL_BACKEND.
import type * as tf from "@tensorflow/tfjs";
import { binaryInputs } from "./_inputs.ts";
import { ALPHA, benchExact, benchGradient, EPSILONS, GAMMA, SIZES } from "./_setup.ts";
import { sigmoidFocalLoss, type SigmoidFocalLossOptions } from "../mod.ts";
import { naiveSigmoidFocalLoss } from "../analysis.ts";

const LOSS = "sigmoidFocalLoss";

for (const size of SIZES) {
  const inputs = () => binaryInputs(size);
  const ours = (options: SigmoidFocalLossOptions) => (x: tf.Tensor, t: tf.Tensor) =>
    sigmoidFocalLoss(x, t, { alpha: ALPHA, gamma: GAMMA, reduction: "mean", ...options });
  benchGradient(
    { loss: LOSS, size, name: "naive tf composition", baseline: true },
    inputs,
    (x, t) => naiveSigmoidFocalLoss(x, t, { alpha: ALPHA, gamma: GAMMA }).mean(),
  );
  benchExact(LOSS, "sigmoid", size, inputs, ours({ stabilization: "exact" }));
  benchGradient(
    { loss: LOSS, size, name: "exact (composed)", fused: false },
    inputs,
    ours({ stabilization: "exact" }),
  );
  benchGradient({ loss: LOSS, size, name: "none" }, inputs, ours({ stabilization: "none" }));
  for (const epsilon of EPSILONS) {
    benchGradient(
      { loss: LOSS, size, name: `epsilon ${epsilon}` },
      inputs,
      ours({ stabilization: "epsilon", epsilon }),
    );
  }
}
