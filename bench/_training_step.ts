// The training step bench:training times: the paper's CNN (Appendix A.4),
// batch 64, sigmoid focal loss γ = α_t = 0.5, Adam.
import * as tf from "@tensorflow/tfjs";
import { settle } from "../lib/backends/use_backend.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { sigmoidFocalLoss } from "../mod.ts";
import { createAdam } from "../lib/train/adam.ts";

/** The batch size of the paper's MNIST experiment. */
export const BATCH = 64;

/** A fixed batch and the loss of logits against its targets. */
export function fixedBatch(): {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  loss: (logits: tf.Tensor2D) => tf.Scalar;
} {
  const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.cast(
    tf.less(tf.randomUniform([BATCH, 1], 0, 1, "float32", 2), 0.3),
    "float32",
  ) as tf.Tensor2D;
  const loss = (logits: tf.Tensor2D) =>
    sigmoidFocalLoss(logits, y, { gamma: 0.5, alpha: 0.5, reduction: "mean" }) as tf.Scalar;
  return { x, y, loss };
}

/** Seconds per call of `step`, over `steps` calls after two warm-up calls. */
export async function secondsPerStep(step: () => void, steps: number): Promise<number> {
  for (let i = 0; i < 2; i++) step();
  await settle();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  await settle();
  return (performance.now() - start) / 1000 / steps;
}

/** Seconds per training step of one CNN on the active backend. */
export async function singleModelSecondsPerStep(steps: number): Promise<number> {
  const { x, y, loss } = fixedBatch();
  const model = createBinaryCnn({ size: 28, channels: 1 }, 1);
  const adam = createAdam(1e-3);
  const seconds = await secondsPerStep(
    () => adam.minimize(() => loss(model.forward(x)), false, model.variables),
    steps,
  );
  model.dispose();
  adam.dispose();
  tf.dispose([x, y]);
  return seconds;
}
