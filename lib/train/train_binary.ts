// Training loop of the paper's binary experiments (Sec. 2.5.1, 3.1): batches
// of 64, a loss on the model's logits, and a stop at the first non-finite
// loss or gradient — the event Figure 4 counts epochs up to.
//
// The paper does not state its optimizer; we use Adam with learning rate
// 1e-3 (PyTorch's defaults otherwise), shuffle each epoch with a seeded
// order, and keep the last partial batch, as PyTorch's DataLoader does.
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../data/_random.ts";
import { createAdam } from "./adam.ts";
import { gatherRows } from "../kernels/gather_rows_wasm.ts";

/** What {@linkcode trainBinary} trains: variables and a forward pass to logits. */
export interface TrainableModel {
  variables: tf.Variable[];
  forward(inputs: tf.Tensor): tf.Tensor;
}

/** Options of {@linkcode trainBinary}. */
export interface TrainBinaryOptions {
  epochs: number;
  /** @default {64} */
  batchSize?: number;
  /** Adam's learning rate. @default {1e-3} */
  learningRate?: number;
  /** Seeds the order of the samples in each epoch. */
  seed: number;
  /**
   * The loss of a batch: logits and targets of the same shape ([B, 1] for a
   * classifier, [B, H, W, 1] for a segmenter) to a scalar.
   */
  loss: (logits: tf.Tensor, targets: tf.Tensor) => tf.Scalar;
  /** Called after each completed epoch with its mean loss. */
  onEpoch?: (epoch: number, meanLoss: number) => void | Promise<void>;
}

/** How a training run ended. */
export interface TrainBinaryResult {
  status: "completed" | "nan";
  completedEpochs: number;
  /** 1-based epoch of the first non-finite loss or gradient, or null. */
  nanEpoch: number | null;
  /** 1-based step within that epoch, or null. */
  nanStep: number | null;
  /** Mean training loss of each completed epoch. */
  epochLosses: number[];
}

/**
 * The inputs and targets of the samples `indices`; targets [N] become
 * [b, 1], other targets keep their shape.
 */
export function batchAt(
  inputs: tf.Tensor,
  targets: tf.Tensor,
  indices: Int32Array,
): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const y = gatherRows(targets, indices);
    return [gatherRows(inputs, indices), y.rank === 1 ? tf.reshape(y, [-1, 1]) : y];
  });
}

/** The sample order of an epoch: a seeded Fisher–Yates shuffle. */
export function shuffled(count: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Trains `model` on inputs [N, …] (float32, already normalized and noised)
 * and binary targets [N] (one per sample) or [N, …] (one per pixel).
 * Deterministic for a seed on a backend; leaves no tensors behind.
 */
export async function trainBinary(
  model: TrainableModel,
  images: tf.Tensor,
  targets: tf.Tensor,
  options: TrainBinaryOptions,
): Promise<TrainBinaryResult> {
  const { epochs, batchSize = 64, learningRate = 1e-3, seed, loss, onEpoch } = options;
  const count = images.shape[0];
  const optimizer = createAdam(learningRate);
  const epochLosses: number[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = shuffled(count, seed * 1000003 + epoch);
      let sum = 0;
      let steps = 0;
      for (let start = 0; start < count; start += batchSize) {
        const [x, y] = batchAt(images, targets, order.subarray(start, start + batchSize));
        const { value, grads } = tf.variableGrads(() => loss(model.forward(x), y), model.variables);
        // One read per step: the loss and whether every gradient is finite.
        const check = tf.tidy(() =>
          tf.stack([
            value,
            tf.all(tf.stack(Object.values(grads).map((g) => tf.all(tf.isFinite(g))))).toFloat(),
          ])
        );
        const [lossValue, gradsFinite] = await check.data();
        tf.dispose([x, y, value, check]);
        steps++;
        if (!Number.isFinite(lossValue) || gradsFinite !== 1) {
          tf.dispose(Object.values(grads));
          return {
            status: "nan",
            completedEpochs: epoch - 1,
            nanEpoch: epoch,
            nanStep: steps,
            epochLosses,
          };
        }
        optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        tf.dispose(Object.values(grads));
        sum += lossValue;
      }
      epochLosses.push(sum / steps);
      await onEpoch?.(epoch, sum / steps);
    }
    return {
      status: "completed",
      completedEpochs: epochs,
      nanEpoch: null,
      nanStep: null,
      epochLosses,
    };
  } finally {
    optimizer.dispose();
  }
}
