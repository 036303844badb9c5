// The training step bench:training times: the paper's CNN (Appendix A.4),
// batch 64, sigmoid focal loss γ = α_t = 0.5, Adam.
import * as tf from "@tensorflow/tfjs";
import { settle } from "../lib/backends/use_backend.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { trainBinary } from "../lib/train/train_binary.ts";
import { sigmoidFocalLoss } from "../mod.ts";

/** The batch size of the paper's MNIST experiment. */
export const BATCH = 64;

/** The loss every measurement trains with. */
function focal(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return sigmoidFocalLoss(logits, targets, {
    gamma: 0.5,
    alpha: 0.5,
    reduction: "mean",
  }) as tf.Scalar;
}

/** `count` random images and 30% positive targets [count]. */
function randomData(count: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = tf.randomUniform([count, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.tidy(() =>
    tf.cast(tf.less(tf.randomUniform([count], 0, 1, "float32", 2), 0.3), "float32")
  ) as tf.Tensor1D;
  return { x, y };
}

/** A fixed batch and the loss of logits against its targets. */
export function fixedBatch(): {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  loss: (logits: tf.Tensor2D) => tf.Scalar;
} {
  const { x, y: flat } = randomData(BATCH);
  const y = tf.reshape(flat, [BATCH, 1]) as tf.Tensor2D;
  flat.dispose();
  return { x, y, loss: (logits: tf.Tensor2D) => focal(logits, y) };
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

/**
 * Seconds per training step of one CNN on the active backend, in the
 * experiments' own loop (lib/train/train_binary.ts: gathering each batch,
 * checking every gradient for NaN, reading the loss, Adam): an epoch of
 * `steps` batches, after a warm-up epoch of two.
 */
export async function singleModelSecondsPerStep(steps: number): Promise<number> {
  const { x, y } = randomData(steps * BATCH);
  const model = createBinaryCnn({ size: 28, channels: 1 }, 1);
  const warm = [tf.slice(x, 0, 2 * BATCH), tf.slice(y, 0, 2 * BATCH)];
  await trainBinary(model, warm[0], warm[1], { epochs: 1, seed: 0, loss: focal });
  const start = performance.now();
  const result = await trainBinary(model, x, y, { epochs: 1, seed: 1, loss: focal });
  const seconds = (performance.now() - start) / 1000 / steps;
  if (result.status !== "completed") throw new Error("the timed training run did not complete");
  model.dispose();
  tf.dispose([x, y, ...warm]);
  return seconds;
}
