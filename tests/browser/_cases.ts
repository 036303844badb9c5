// The cases the browser test computes in Chromium and Deno computes beside it:
// every loss of `mod.ts` in every stabilization mode, its value and its
// gradient, on inputs that reach the saturated region where the original
// mode's gradient is NaN. Runtime-neutral: imported by the page's bundle and
// by the Deno side of the test.
import * as tf from "@tensorflow/tfjs";
import {
  adaptiveFocalGamma,
  adaptiveFocalLoss,
  qualityFocalLoss,
  sigmoidFocalLoss,
  softmaxFocalLoss,
  type Stabilization,
  unifiedFocalLoss,
} from "../../mod.ts";

/** One computed case: the loss's values and d(Σ loss)/d(logits), as plain numbers. */
export interface CaseResult {
  name: string;
  value: number[];
  grad: number[];
}

const MODES: Stabilization[] = ["none", "epsilon", "exact"];

/** Logits with saturated entries (±20, ±90) beside ordinary ones. */
const LOGITS = [-90, -20, -3, -0.5, 0, 0.2, 1.5, 4, 20, 90, 25, -7];
const TARGETS = [0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0.75, 0.25];

type Loss = (z: tf.Tensor, t: tf.Tensor, mode: Stabilization) => tf.Tensor;

/** The adaptive γ of the masks below: two 2×3 masks from the rounded targets. */
const MASK_GAMMA = adaptiveFocalGamma({
  values: TARGETS.map((t) => Math.round(t)),
  shape: [2, 2, 3],
});

const LOSSES: [string, Loss, () => [tf.Tensor, tf.Tensor]][] = [
  [
    "sigmoid γ=0.5 mean",
    (z, t, mode) =>
      sigmoidFocalLoss(z, t, { gamma: 0.5, alpha: 0.25, reduction: "mean", stabilization: mode }),
    () => [tf.tensor1d(LOGITS), tf.tensor1d(TARGETS)],
  ],
  [
    "sigmoid γ=0.1 none",
    (z, t, mode) => sigmoidFocalLoss(z, t, { gamma: 0.1, stabilization: mode }),
    () => [tf.tensor1d(LOGITS), tf.tensor1d(TARGETS)],
  ],
  [
    "softmax γ=0.5 sum",
    (z, t, mode) => softmaxFocalLoss(z, t, { gamma: 0.5, reduction: "sum", stabilization: mode }),
    () => [tf.tensor2d(LOGITS, [3, 4]), tf.tensor1d([3, 0, 2], "int32")],
  ],
  [
    "quality β=0.5 none",
    (z, t, mode) => qualityFocalLoss(z, t, { beta: 0.5, stabilization: mode }),
    () => [tf.tensor1d(LOGITS), tf.tensor1d(TARGETS)],
  ],
  [
    "unified γ=0.5",
    (z, t, mode) => unifiedFocalLoss(z, t, { gamma: 0.5, stabilization: mode }),
    () => [tf.tensor2d(LOGITS, [3, 4]), tf.tensor2d(TARGETS.map((t) => Math.round(t)), [3, 4])],
  ],
  [
    // γ from two 2×3 masks (smoothness + foreground), from their values: a
    // synchronous read of a tensor on webgpu fails in headless Chromium.
    "adaptive γ from the masks",
    (z, t, mode) => adaptiveFocalLoss(z, t, { gamma: MASK_GAMMA, stabilization: mode }),
    () => [
      tf.tensor3d(LOGITS, [2, 2, 3]),
      tf.tensor3d(TARGETS.map((t) => Math.round(t)), [2, 2, 3]),
    ],
  ],
];

/** Every loss in every mode on the active backend (read asynchronously, as webgpu wants). */
export async function computeCases(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const [label, loss, make] of LOSSES) {
    for (const mode of MODES) {
      const [z, t] = make();
      const { value, grad } = tf.tidy(() => {
        const f = tf.valueAndGrad((x: tf.Tensor) => loss(x, t, mode).sum());
        const g = f(z);
        return { value: loss(z, t, mode), grad: g.grad };
      });
      results.push({
        name: `${label} ${mode}`,
        value: Array.from(await value.data()),
        grad: Array.from(await grad.data()),
      });
      tf.dispose([z, t, value, grad]);
    }
  }
  return results;
}
