// K runs of a grid trained as one program (lib/models/stacked_binary_cnn.ts),
// for a GPU, where one launch of a kernel over K models costs about what one
// over one model does, and where every read back to the CPU waits for the
// device (under Deno, ~11 ms a read on webgpu: at one read per step, the
// 93,750 steps of one paper run would wait 17 minutes).
//
// So nothing is read per step. Each run's loss, with its own γ, α and
// stabilization, and whether its loss and its gradients are finite, stay on
// the device; a run whose step is not finite keeps its weights and momentum
// from then on (its updates are masked), and the step is recorded there. The
// epoch's mean losses, which runs are still alive and their NaN steps are
// read once per epoch.
//
// The runs share their images, their order (one seeded shuffle per epoch, as
// `trainBinary` draws it for `seed`) and their noise: a grid trains each
// noise level as one stack. Their targets, weights and losses are their own.
// The optimizer is the paper's SGD with momentum, written out as tfjs's
// MomentumOptimizer computes it (v ← μ·v + g, θ ← θ + (−lr)·v) so that run k
// follows the same arithmetic as `trainBinary` with that optimizer.
//
// Checkpoints, as trainBinary's: the stack's weights, momentum, counters and
// outcomes so far, after every epoch or on a stop request after the step in
// progress (a save is a read too, counted as one).
import * as tf from "@tensorflow/tfjs";
import type { StackedBinaryCnn } from "../models/stacked_binary_cnn.ts";
import type { RunOutcome } from "../results/run_records.ts";
import type { TrainingCheckpoints } from "./train_binary.ts";
import { afterEpoch, checkpointInterval, epochOrder, stopAfterStep } from "./epochs.ts";
import { PAPER_OPTIMIZER } from "./optimizer.ts";
import type { TrainingState } from "./checkpoint.ts";

/** Batches for K runs: shared inputs [b, …], targets per run [K, b, 1]. */
export interface StackedBatches {
  count: number;
  batch(indices: Int32Array): { inputs: tf.Tensor4D; targets: tf.Tensor3D };
  /** The source's random state (its noise stream), for a checkpoint. */
  state?(): number[];
  /** Continues from a state that `state` returned. */
  restore?(state: number[]): void;
}

/** Options of {@linkcode trainStacked}. */
export interface TrainStackedOptions {
  epochs: number;
  batchSize?: number;
  /** Seeds the shared sample order, as `trainBinary`'s `seed` does. */
  seed: number;
  /** Run k's scalar loss from its logits [b, 1] and targets [b, 1]. */
  losses: ((logits: tf.Tensor, targets: tf.Tensor) => tf.Tensor)[];
  /** SGD with momentum. @default the paper's, lr 1e-3, momentum 0.9 */
  learningRate?: number;
  momentum?: number;
  /**
   * Checkpoints of the whole stack, as trainBinary takes them: saved after
   * every `everyEpochs` epochs and, when `stopRequested` says so, after the
   * step in progress (then a TrainingInterrupted is thrown); a resume
   * continues bit for bit.
   */
  checkpoints?: TrainingCheckpoints;
}

/** What a stack's checkpoint holds besides the weights: the device-side counters, the momentum. */
const STACK_ENTRIES = ["stack:alive", "stack:nanAt", "stack:epochSum"] as const;

/** What `trainStacked` did, per run, and how often it read from the device. */
export interface StackedOutcome {
  runs: RunOutcome[];
  /** Device reads: one per epoch. */
  reads: number;
}

/** Trains the K models of `model`, run k with `losses[k]`; one device read per epoch. */
export async function trainStacked(
  model: StackedBinaryCnn,
  data: StackedBatches,
  options: TrainStackedOptions,
): Promise<StackedOutcome> {
  const {
    epochs,
    batchSize = 64,
    seed,
    losses,
    learningRate = PAPER_OPTIMIZER.learningRate,
    momentum = PAPER_OPTIMIZER.momentum,
    checkpoints,
  } = options;
  const every = checkpointInterval(checkpoints);
  const resume = checkpoints?.resume ?? null;
  const K = model.models;
  if (losses.length !== K) throw new RangeError(`${losses.length} losses for ${K} models`);
  const count = data.count;
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const mu = tf.scalar(momentum);
  const minusLr = tf.scalar(-learningRate);
  // Per run, on the device: alive (1/0), the global step of the first
  // non-finite step (0: none), this epoch's summed loss; and the momentum.
  const [alive, nanAt, epochSum, ...velocity] = tf.tidy(() => [
    tf.variable(tf.ones([K]), false),
    tf.variable(tf.zeros([K]), false),
    tf.variable(tf.zeros([K]), false),
    ...model.variables.map((v) => tf.variable(tf.zerosLike(v), false)),
  ]);
  let outcomes: RunOutcome[] = Array.from({ length: K }, () => ({
    status: "completed",
    completedEpochs: 0,
    nanEpoch: null,
    nanStep: null,
    epochLosses: [],
  }));
  let reads = 0;
  const counters = [alive, nanAt, epochSum];
  // The whole stack between two steps: weights, momentum, the counters, the
  // outcomes so far (in meta) and the noise stream.
  const save = async (epoch: number, step: number) => {
    const read = async (v: tf.Variable) => new Float32Array(await v.data());
    const state: TrainingState = {
      epoch,
      step,
      sum: 0,
      epochLosses: [],
      variables: await Promise.all(model.variables.map(read)),
      optimizer: [
        ...await Promise.all(velocity.map(async (v, i) => ({
          name: `velocity:${i}`,
          shape: v.shape,
          values: await read(v),
        }))),
        ...await Promise.all(counters.map(async (v, i) => ({
          name: STACK_ENTRIES[i],
          shape: v.shape,
          values: await read(v),
        }))),
      ],
      source: data.state?.() ?? [],
      meta: { outcomes: structuredClone(outcomes) },
    };
    reads++;
    await checkpoints!.save(state);
  };
  try {
    if (resume) {
      const held = [...model.variables, ...velocity, ...counters];
      const values = [...resume.variables, ...resume.optimizer.map((o) => o.values)];
      if (values.length !== held.length || values.some((v, i) => v.length !== held[i].size)) {
        throw new RangeError("the checkpoint does not hold this stack's variables");
      }
      tf.tidy(() => held.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape, "float32"))));
      outcomes = structuredClone(resume.meta!.outcomes as RunOutcome[]);
      if (resume.source.length > 0) data.restore!(resume.source);
    }
    for (let epoch = resume?.epoch ?? 1; epoch <= epochs; epoch++) {
      const order = epochOrder(count, seed, epoch);
      const resumed = resume !== null && epoch === resume.epoch && resume.step > 0;
      if (!resumed) tf.tidy(() => epochSum.assign(tf.zeros([K])));
      for (let s = resumed ? resume.step : 0; s < stepsPerEpoch; s++) {
        const step = (epoch - 1) * stepsPerEpoch + s + 1;
        const { inputs, targets } = data.batch(
          order.subarray(s * batchSize, (s + 1) * batchSize),
        );
        let perRun: tf.Tensor1D | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.forward(inputs); // [K, b, 1]
          perRun = tf.keep(
            tf.stack(
              losses.map((loss, k) =>
                tf.reshape(
                  loss(
                    tf.squeeze(tf.slice(logits, k, 1), [0]),
                    tf.squeeze(tf.slice(targets, k, 1), [0]),
                  ),
                  [],
                )
              ),
            ),
          ) as tf.Tensor1D;
          // The runs' parameters are disjoint: the sum's gradient is each run's own.
          return tf.sum(perRun) as tf.Scalar;
        }, model.variables);
        tf.tidy(() => {
          const g = model.variables.map((v) => grads[v.name]);
          // finite[k]: run k's loss and every gradient element of run k are finite.
          let finite = tf.where(tf.isFinite(perRun!), tf.onesLike(perRun!), tf.zerosLike(perRun!));
          g.forEach((grad, i) => (finite = tf.minimum(finite, model.finitePerModel(grad, i))));
          const live = tf.mul(alive, finite);
          const dying = tf.sub(alive, live);
          nanAt.assign(tf.add(nanAt, tf.mul(dying, step)));
          alive.assign(live);
          epochSum.assign(
            tf.add(epochSum, tf.where(tf.greater(live, 0), perRun!, tf.zerosLike(live))),
          );
          const mask = live.cast("bool") as tf.Tensor1D;
          model.variables.forEach((value, i) => {
            const keep = model.expandMask(mask, i);
            const v1 = tf.add(tf.mul(velocity[i], mu), g[i]);
            velocity[i].assign(tf.where(keep, v1, velocity[i]));
            value.assign(tf.where(keep, tf.add(tf.mul(minusLr, v1), value), value));
          });
        });
        tf.dispose([inputs, targets, value, perRun!, ...Object.values(grads)]);
        await stopAfterStep(checkpoints, epoch, s + 1, s + 1 < stepsPerEpoch, save);
      }
      // The one read of the epoch.
      const read = tf.tidy(() => tf.stack([alive, nanAt, epochSum]));
      const values = await read.data(); // alive [K], NaN steps [K], loss sums [K]
      read.dispose();
      reads++;
      for (let k = 0; k < K; k++) {
        const o = outcomes[k];
        if (o.status === "nan") continue;
        if (values[k] === 1) {
          o.completedEpochs = epoch;
          o.epochLosses.push(values[2 * K + k] / stepsPerEpoch);
        } else {
          const global = values[K + k];
          o.status = "nan";
          o.nanEpoch = Math.ceil(global / stepsPerEpoch);
          o.nanStep = global - (o.nanEpoch - 1) * stepsPerEpoch;
        }
      }
      if (outcomes.every((o) => o.status === "nan")) break;
      await afterEpoch(checkpoints, epoch, epochs, every, save);
    }
    return { runs: outcomes, reads };
  } finally {
    tf.dispose([mu, minusLr, alive, nanAt, epochSum, ...velocity]);
  }
}
