// deno bench: softmaxFocalLoss forward+backward over 8 classes, ε × mode,
// against the naive tf composition; sizes count logits (rows × 8).
import type * as tf from "@tensorflow/tfjs";
import { softmaxInputs } from "./_inputs.ts";
import { benchExact, benchGradient, EPSILONS, GAMMA, SIZES } from "./_setup.ts";
import { softmaxFocalLoss, type SoftmaxFocalLossOptions } from "../mod.ts";
import { naiveSoftmaxFocalLoss } from "../analysis.ts";

const LOSS = "softmaxFocalLoss";

for (const size of SIZES) {
  const inputs = () => softmaxInputs(size);
  const ours = (options: SoftmaxFocalLossOptions) => (x: tf.Tensor, t: tf.Tensor) =>
    softmaxFocalLoss(x, t, { gamma: GAMMA, reduction: "mean", ...options });
  benchGradient(
    { loss: LOSS, size, name: "naive tf composition", baseline: true },
    inputs,
    (x, t) => naiveSoftmaxFocalLoss(x, t, { gamma: GAMMA }).mean(),
  );
  benchExact(LOSS, "softmax", size, inputs, ours({ stabilization: "exact" }));
  benchGradient({ loss: LOSS, size, name: "none" }, inputs, ours({ stabilization: "none" }));
  for (const epsilon of EPSILONS) {
    benchGradient(
      { loss: LOSS, size, name: `epsilon ${epsilon}` },
      inputs,
      ours({ stabilization: "epsilon", epsilon }),
    );
  }
}
