// trainBinary for K runs at once (see lib/models/stacked_binary_cnn.ts): the
// runs share the images and the batch order and differ in their loss. A run
// whose loss or gradient turns non-finite is frozen — its weights and Adam
// moments stop changing — without touching the others, and it is recorded
// exactly as trainBinary would record it.
import * as tf from "@tensorflow/tfjs";
import type { StackedBinaryCnn } from "../models/stacked_binary_cnn.ts";
import { batchAt, shuffled, type TrainBinaryResult } from "./train_binary.ts";

/** Options of {@linkcode trainStacked}. */
export interface TrainStackedOptions {
  epochs: number;
  /** @default {64} */
  batchSize?: number;
  /** Adam's learning rate. @default {1e-3} */
  learningRate?: number;
  /** Seeds the batch order, shared by all runs (as trainBinary's seed). */
  seed: number;
  /** The loss of run k on its logits [B, 1] and the targets [B, 1]. */
  losses: ((logits: tf.Tensor2D, targets: tf.Tensor2D) => tf.Scalar)[];
}

const BETA1 = 0.9;
const BETA2 = 0.999;

/** Trains the K runs; returns each run's result, as trainBinary would. */
export async function trainStacked(
  model: StackedBinaryCnn,
  images: tf.Tensor4D,
  targets: tf.Tensor1D,
  options: TrainStackedOptions,
): Promise<TrainBinaryResult[]> {
  const { epochs, batchSize = 64, learningRate = 1e-3, seed, losses } = options;
  const K = model.models;
  if (losses.length !== K) {
    throw new RangeError(`'losses' must hold one loss per model (${K}): received ${losses.length}`);
  }
  const count = images.shape[0];
  // Adam exactly as tf.train.adam computes it, with a per-run mask.
  const epsilon = tf.backend().epsilon();
  const zeros = () =>
    tf.tidy(() => model.variables.map((v) => tf.variable(tf.zerosLike(v), false)));
  const first = zeros();
  const second = zeros();
  let accBeta1 = Math.fround(BETA1);
  let accBeta2 = Math.fround(BETA2);
  const active = new Array<boolean>(K).fill(true);
  const results: TrainBinaryResult[] = Array.from({ length: K }, () => ({
    status: "completed" as const,
    completedEpochs: 0,
    nanEpoch: null,
    nanStep: null,
    epochLosses: [],
  }));
  try {
    for (let epoch = 1; epoch <= epochs && active.some((a) => a); epoch++) {
      const order = shuffled(count, seed * 1000003 + epoch);
      const sums = new Float64Array(K);
      let steps = 0;
      for (let start = 0; start < count; start += batchSize) {
        const [x, y] = batchAt(images, targets, order.subarray(start, start + batchSize)) as [
          tf.Tensor4D,
          tf.Tensor2D,
        ];
        let perRun: tf.Tensor1D | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.forward(x);
          const each = losses.map((loss, k) =>
            loss(tf.squeeze(tf.slice(logits, [k, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D, y)
          );
          perRun = tf.keep(tf.stack(each) as tf.Tensor1D);
          return tf.sum(perRun) as tf.Scalar;
        }, model.variables);
        const gradList = model.variables.map((v) => grads[v.name]);
        const finite = tf.tidy(() =>
          tf.concat([
            tf.stack([perRun!, tf.where(tf.isFinite(perRun!), tf.ones([K]), tf.zeros([K]))]),
            tf.stack([
              tf.min(tf.stack(gradList.map((g, i) => model.finitePerModel(g, i))), 0),
              tf.zeros([K]),
            ]),
          ])
        );
        const values = await finite.data();
        tf.dispose([x, y, value, finite]);
        steps++;
        const mask = new Float32Array(K);
        for (let k = 0; k < K; k++) {
          if (!active[k]) continue;
          const ok = values[K + k] === 1 && values[2 * K + k] === 1;
          if (!ok) {
            active[k] = false;
            results[k] = {
              ...results[k],
              status: "nan",
              completedEpochs: epoch - 1,
              nanEpoch: epoch,
              nanStep: steps,
            };
            continue;
          }
          mask[k] = 1;
          sums[k] += values[k];
        }
        const oneMinusAcc1 = 1 - accBeta1;
        const oneMinusAcc2 = 1 - accBeta2;
        tf.tidy(() => {
          const runMask = tf.tensor1d(mask).greater(0) as tf.Tensor1D;
          model.variables.forEach((p, i) => {
            const g = gradList[i];
            const on = model.expandMask(runMask, i);
            const m = tf.add(tf.mul(first[i], BETA1), tf.mul(g, 1 - BETA1));
            const v = tf.add(tf.mul(second[i], BETA2), tf.mul(tf.square(g), 1 - BETA2));
            const step = tf.mul(
              tf.div(tf.div(m, oneMinusAcc1), tf.add(tf.sqrt(tf.div(v, oneMinusAcc2)), epsilon)),
              -learningRate,
            );
            first[i].assign(tf.where(on, m, first[i]));
            second[i].assign(tf.where(on, v, second[i]));
            p.assign(tf.where(on, tf.add(step, p), p));
          });
        });
        accBeta1 = Math.fround(accBeta1 * Math.fround(BETA1));
        accBeta2 = Math.fround(accBeta2 * Math.fround(BETA2));
        tf.dispose([perRun!, ...gradList]);
      }
      for (let k = 0; k < K; k++) {
        if (!active[k]) continue;
        results[k].epochLosses.push(sums[k] / steps);
        results[k].completedEpochs = epoch;
      }
    }
    return results;
  } finally {
    tf.dispose([...first, ...second]);
  }
}
