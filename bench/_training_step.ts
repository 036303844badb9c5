// The training step bench:training times: the paper's CNN (Appendix A.4) on
// MNIST (28×28×1, batch 64) or CIFAR-10 (32×32×3, batch 128, inputs
// (x − 0.5)/0.5), sigmoid focal loss γ = α = 0.5, the paper's SGD with
// momentum (or Adam, when asked), batches made as the experiment makes them.
import * as tf from "@tensorflow/tfjs";
import { settle } from "../lib/backends/use_backend.ts";
import { mulberry32 } from "../lib/data/random.ts";
import { imageBatches } from "../lib/data/image_batches.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import type { OptimizerConfig } from "../lib/train/optimizer.ts";
import { trainBinary } from "../lib/train/train_binary.ts";
import { sigmoidFocalLoss } from "../mod.ts";

/** A data set's images and batch, as the paper's experiment on it trains. */
export interface Workload {
  name: "mnist" | "cifar10";
  shape: [number, number, number];
  batch: number;
  normalize?: { mean: number; std: number };
}

/** The paper's MNIST (Sec. 2.5.1) and CIFAR-10 (Sec. 2.5.2) CNN workloads. */
export const WORKLOADS: Record<Workload["name"], Workload> = {
  mnist: { name: "mnist", shape: [28, 28, 1], batch: 64 },
  cifar10: {
    name: "cifar10",
    shape: [32, 32, 3],
    batch: 128,
    normalize: { mean: 0.5, std: 0.5 },
  },
};

/** The loss every measurement trains with. */
function focal(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return sigmoidFocalLoss(logits, targets, {
    gamma: 0.5,
    alpha: 0.5,
    reduction: "mean",
  }) as tf.Scalar;
}

/** `count` random images and 30% positive targets [count]. */
function randomData(
  count: number,
  shape: [number, number, number],
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = tf.randomUniform([count, ...shape], 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.tidy(() =>
    tf.cast(tf.less(tf.randomUniform([count], 0, 1, "float32", 2), 0.3), "float32")
  ) as tf.Tensor1D;
  return { x, y };
}

/** A fixed batch and the loss of logits against its targets. */
export function fixedBatch({ batch, shape }: Workload): {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  loss: (logits: tf.Tensor2D) => tf.Scalar;
} {
  const { x, y: flat } = randomData(batch, shape);
  const y = tf.reshape(flat, [batch, 1]) as tf.Tensor2D;
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

/** What one model's timed epoch trains with. */
export interface StepOptions {
  workload: Workload;
  optimizer: OptimizerConfig;
  /** Amplitude of the per-batch noise (the paper's: 0, 0.5, 0.75). */
  noise: number;
}

/**
 * Seconds per training step of one CNN on the active backend, in the
 * experiments' own loop (lib/train/train_binary.ts: each batch made from
 * bytes with fresh noise, every gradient checked for NaN, the loss read, the
 * optimizer's update): an epoch of `steps` batches, after a warm-up epoch.
 */
export async function singleModelSecondsPerStep(
  steps: number,
  { workload, optimizer, noise }: StepOptions,
): Promise<number> {
  const { shape, batch, normalize } = workload;
  const random = mulberry32(1);
  const count = steps * batch;
  const images = Uint8Array.from(
    { length: count * shape[0] * shape[1] * shape[2] },
    () => Math.floor(256 * random()),
  );
  const targets = Float32Array.from({ length: count }, () => (random() < 0.3 ? 1 : 0));
  const data = imageBatches({ images, shape, targets, noise, normalize, seed: 2 });
  const model = createBinaryCnn({ size: shape[0], channels: shape[2] }, 1);
  const warm = { count: 2 * batch, batch: data.batch };
  await trainBinary(model, warm, { epochs: 1, seed: 0, batchSize: batch, optimizer, loss: focal });
  const start = performance.now();
  const result = await trainBinary(model, data, {
    epochs: 1,
    seed: 1,
    batchSize: batch,
    optimizer,
    loss: focal,
  });
  const seconds = (performance.now() - start) / 1000 / steps;
  if (result.status !== "completed") throw new Error("the timed training run did not complete");
  model.dispose();
  return seconds;
}
