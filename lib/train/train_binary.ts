// Training loop of the paper's binary experiments (Sec. 2.5.1, 3.1): batches
// of 64, a loss on the model's logits, and a stop at the first non-finite
// loss or gradient — the event Figure 4 counts epochs up to.
//
// As the paper's official code trains: SGD with momentum (PAPER_OPTIMIZER),
// the run's own reshuffle every epoch (seeded here; the paper's runs are
// not), the last partial batch kept, as PyTorch's DataLoader does, and the
// batches from a source that adds the fresh per-batch noise
// (lib/data/image_batches.ts). Where the official code looks at the last
// batch's loss after each epoch, we check every step's loss and gradients:
// the same epoch, up to a one-step shift (a NaN gradient at step k makes
// every later loss NaN).
import type { RunOutcome } from "../results/run_records.ts";
import * as tf from "@tensorflow/tfjs";
import {
  afterEpoch,
  checkpointInterval,
  epochOrder,
  shuffled,
  stopAfterStep,
  TrainingInterrupted,
} from "./epochs.ts";
import type { BinaryBatches } from "../data/image_batches.ts";
import { createOptimizer, type OptimizerConfig, PAPER_OPTIMIZER } from "./optimizer.ts";
import { gatherRows } from "../kernels/training/gather_rows_wasm.ts";
import {
  captureState,
  type MetricsProgress,
  restoreState,
  type SaturationProgress,
  type TrainingState,
} from "./checkpoint.ts";
import { FLOAT32_SATURATING_LOGIT } from "../precision/float_limits.ts";

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
  /** @default {PAPER_OPTIMIZER} (SGD, lr 1e-3, momentum 0.9) */
  optimizer?: OptimizerConfig;
  /** Seeds the order of the samples in each epoch. */
  seed: number;
  /**
   * The loss of a batch: logits and targets of the same shape ([B, 1] for a
   * classifier, [B, H, W, 1] for a segmenter) to a scalar.
   */
  loss: (logits: tf.Tensor, targets: tf.Tensor) => tf.Scalar;
  /** Called after each completed epoch with its mean loss. */
  onEpoch?: (epoch: number, meanLoss: number) => void | Promise<void>;
  /** Called after each optimizer step this invocation takes (epoch and step, 1-based). */
  onStep?: (epoch: number, step: number) => void;
  /** Checkpoints: where to resume from, and how to save. */
  checkpoints?: TrainingCheckpoints;
  /**
   * At the first non-finite step, before anything is updated: the loss's
   * terms that are non-finite alone on that batch (value or gradient with
   * respect to the logits), recorded as the outcome's `nanTerms`.
   */
  nanTerms?: (logits: tf.Tensor, targets: tf.Tensor) => Promise<string[]>;
  /**
   * Records the outcome's `epochMetrics` (a classifier's accuracy at logit
   * thresholds 0.5 and 0, and its logit range, per epoch) from each step's
   * logits, read with the step's loss. @default {false}
   */
  epochMetrics?: boolean;
  /**
   * Also records, per epoch, how close the targets' logits came to float32's
   * saturation (a segmentation's horizon to the original loss's NaN): the
   * most negative background logit, the most positive foreground logit, and
   * the shares past ±FLOAT32_SATURATING_LOGIT. Implies `epochMetrics`.
   * @default {false}
   */
  saturationMetrics?: boolean;
}

/** The saturation metrics' epoch just begun. */
function freshSaturation(): SaturationProgress {
  return {
    background: 0,
    foreground: 0,
    backgroundSaturated: 0,
    foregroundSaturated: 0,
    backgroundLogitMin: null,
    foregroundLogitMax: null,
  };
}

/** No epoch metrics yet, and an epoch just begun (with the saturation metrics when asked). */
function freshMetrics(saturation: boolean): MetricsProgress {
  return {
    epochs: {
      accuracyLogitOverHalf: [],
      accuracy: [],
      logitMin: [],
      logitMax: [],
      ...(saturation
        ? {
          backgroundLogitMin: [],
          foregroundLogitMax: [],
          backgroundSaturated: [],
          foregroundSaturated: [],
        }
        : {}),
    },
    samples: 0,
    correctOverHalf: 0,
    correct: 0,
    logitMin: null,
    logitMax: null,
    ...(saturation ? { saturation: freshSaturation() } : {}),
  };
}

/** The smaller (or larger) of an extreme so far and a step's, which is ±Infinity for none. */
function extreme(so: number | null, step: number, f: (a: number, b: number) => number) {
  if (!Number.isFinite(step)) return so;
  return so === null ? step : f(so, step);
}

/** Adds a step's counts (stepMetrics' values) to the epoch in progress. */
function addStep(m: MetricsProgress, samples: number, counts: number[]): void {
  const [half, zero, min, max] = counts;
  m.samples += samples;
  m.correctOverHalf += half;
  m.correct += zero;
  m.logitMin = m.logitMin === null ? min : Math.min(m.logitMin, min);
  m.logitMax = m.logitMax === null ? max : Math.max(m.logitMax, max);
  const s = m.saturation;
  if (s === undefined) return;
  const [background, foreground, backgroundSaturated, foregroundSaturated, bMin, fMax] = counts
    .slice(4);
  s.background += background;
  s.foreground += foreground;
  s.backgroundSaturated += backgroundSaturated;
  s.foregroundSaturated += foregroundSaturated;
  s.backgroundLogitMin = extreme(s.backgroundLogitMin, bMin, Math.min);
  s.foregroundLogitMax = extreme(s.foregroundLogitMax, fMax, Math.max);
}

/** Closes the epoch in progress into the per-epoch series. */
function closeEpoch(m: MetricsProgress): void {
  m.epochs.accuracyLogitOverHalf.push(m.correctOverHalf / m.samples);
  m.epochs.accuracy.push(m.correct / m.samples);
  m.epochs.logitMin.push(m.logitMin ?? NaN);
  m.epochs.logitMax.push(m.logitMax ?? NaN);
  Object.assign(m, { samples: 0, correctOverHalf: 0, correct: 0, logitMin: null, logitMax: null });
  const s = m.saturation;
  if (s === undefined) return;
  const e = m.epochs;
  e.backgroundLogitMin!.push(s.backgroundLogitMin);
  e.foregroundLogitMax!.push(s.foregroundLogitMax);
  e.backgroundSaturated!.push(s.background === 0 ? 0 : s.backgroundSaturated / s.background);
  e.foregroundSaturated!.push(s.foreground === 0 ? 0 : s.foregroundSaturated / s.foreground);
  m.saturation = freshSaturation();
}

/**
 * A step's [correct at logit > 0.5, correct at logit > 0, min logit, max
 * logit], then with `saturation` [background targets, foreground targets,
 * saturated ones of each, the most negative background logit, the most
 * positive foreground logit] (±Infinity where a step has none).
 */
function stepMetrics(logits: tf.Tensor, targets: tf.Tensor, saturation: boolean): tf.Tensor[] {
  const agree = (threshold: number) =>
    tf.sum(
      tf.cast(tf.equal(tf.cast(tf.greater(logits, threshold), "float32"), targets), "float32"),
    );
  const base = [agree(0.5), agree(0), tf.min(logits), tf.max(logits)];
  if (!saturation) return base;
  const foreground = tf.greaterEqual(targets, 0.5);
  const background = tf.logicalNot(foreground);
  const count = (mask: tf.Tensor) => tf.sum(tf.cast(mask, "float32"));
  const x = FLOAT32_SATURATING_LOGIT;
  return [
    ...base,
    count(background),
    count(foreground),
    count(tf.logicalAnd(background, tf.lessEqual(logits, -x))),
    count(tf.logicalAnd(foreground, tf.greaterEqual(logits, x))),
    tf.min(tf.where(background, logits, tf.fill(logits.shape, Infinity))),
    tf.max(tf.where(foreground, logits, tf.fill(logits.shape, -Infinity))),
  ];
}

/** How {@linkcode trainBinary} resumes a run and saves its state. */
export interface TrainingCheckpoints {
  /** The state to continue from (from readCheckpoint), or null to start afresh. */
  resume: TrainingState | null;
  /** Saves a state (writeCheckpoint, say); awaited before training goes on. */
  save(state: TrainingState): Promise<void>;
  /** Saves after every this many completed epochs (not after the last). @default {1} */
  everyEpochs?: number;
  /**
   * Checked after every step: when it returns true, the state is saved and
   * trainBinary throws a TrainingInterrupted (a SIGTERM's handler sets it).
   */
  stopRequested?(): boolean;
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

/** Batches of inputs and targets already in tensors ([N, …] and [N] or [N, …]). */
export function tensorBatches(inputs: tf.Tensor, targets: tf.Tensor): BinaryBatches {
  return {
    count: inputs.shape[0],
    batch(indices) {
      const [x, y] = batchAt(inputs, targets, indices);
      return { inputs: x, targets: y };
    },
  };
}

/**
 * Trains `model` on the batches of `data`: inputs and binary targets of the
 * logits' shape ([b, 1] per sample or [b, …] per pixel). Deterministic for
 * a seed (and the source's seed) on a backend; leaves no tensors behind.
 */
export async function trainBinary(
  model: TrainableModel,
  data: BinaryBatches,
  options: TrainBinaryOptions,
): Promise<RunOutcome> {
  const {
    epochs,
    batchSize = 64,
    optimizer: config = PAPER_OPTIMIZER,
    seed,
    loss,
    onEpoch,
    onStep,
    checkpoints,
    nanTerms,
    saturationMetrics = false,
  } = options;
  const epochMetrics = options.epochMetrics === true || saturationMetrics;
  const count = data.count;
  const optimizer = createOptimizer(config);
  const resume = checkpoints?.resume ?? null;
  const epochLosses: number[] = resume ? [...resume.epochLosses] : [];
  const metrics: MetricsProgress | null = !epochMetrics
    ? null
    : resume?.metrics
    ? structuredClone(resume.metrics)
    : freshMetrics(saturationMetrics);
  if (epochMetrics && resume !== null && resume.metrics === undefined) {
    throw new RangeError(
      "the checkpoint holds no epoch metrics: this run was started without them",
    );
  }
  if (resume?.metrics && (resume.metrics.saturation !== undefined) !== saturationMetrics) {
    throw new RangeError(
      `the checkpoint's epoch metrics were recorded ${
        saturationMetrics ? "without" : "with"
      } the saturation metrics: resume it as it was started`,
    );
  }
  const every = checkpointInterval(checkpoints);
  const save = async (epoch: number, step: number, sum: number) => {
    const state = await captureState(model.variables, optimizer, {
      epoch,
      step,
      sum,
      epochLosses,
      source: data.state?.() ?? [],
      ...(metrics ? { metrics } : {}),
    });
    await checkpoints!.save(state);
  };
  try {
    if (resume) {
      await restoreState(resume, model.variables, optimizer);
      if (resume.source.length > 0) data.restore!(resume.source);
    }
    for (let epoch = resume?.epoch ?? 1; epoch <= epochs; epoch++) {
      const order = epochOrder(count, seed, epoch);
      const resumed = resume !== null && epoch === resume.epoch;
      let sum = resumed ? resume.sum : 0;
      let steps = resumed ? resume.step : 0;
      for (let start = steps * batchSize; start < count; start += batchSize) {
        const { inputs: x, targets: y } = data.batch(order.subarray(start, start + batchSize));
        let logits: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const out = model.forward(x);
          if (metrics) logits = tf.keep(out);
          return loss(out, y);
        }, model.variables);
        // One read per step: the loss, whether every gradient is finite, and
        // the step's metrics when asked.
        const check = tf.tidy(() =>
          tf.stack([
            value,
            tf.all(tf.stack(Object.values(grads).map((g) => tf.all(tf.isFinite(g))))).toFloat(),
            ...(logits ? stepMetrics(logits, y, saturationMetrics) : []),
          ])
        );
        const [lossValue, gradsFinite, ...counts] = await check.data();
        tf.dispose([value, check, ...(logits ? [logits] : [])]);
        steps++;
        if (!Number.isFinite(lossValue) || gradsFinite !== 1) {
          tf.dispose(Object.values(grads));
          const outcome: RunOutcome = {
            status: "nan",
            completedEpochs: epoch - 1,
            nanEpoch: epoch,
            nanStep: steps,
            epochLosses,
            ...(metrics ? { epochMetrics: metrics.epochs } : {}),
          };
          if (nanTerms !== undefined) {
            // The weights are still those the step started from.
            const logits = model.forward(x);
            outcome.nanTerms = await nanTerms(logits, y).finally(() => logits.dispose());
          }
          tf.dispose([x, y]);
          return outcome;
        }
        tf.dispose([x, y]);
        optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        tf.dispose(Object.values(grads));
        sum += lossValue;
        // Per target: a sample's, or a pixel's for a segmentation.
        if (metrics) addStep(metrics, y.size, counts);
        onStep?.(epoch, steps);
        await stopAfterStep(
          checkpoints,
          epoch,
          steps,
          start + batchSize < count,
          (e, k) => save(e, k, sum),
        );
      }
      epochLosses.push(sum / steps);
      if (metrics) closeEpoch(metrics);
      await onEpoch?.(epoch, sum / steps);
      await afterEpoch(checkpoints, epoch, epochs, every, (e, k) => save(e, k, 0));
    }
    return {
      status: "completed",
      completedEpochs: epochs,
      nanEpoch: null,
      nanStep: null,
      epochLosses,
      ...(metrics ? { epochMetrics: metrics.epochs } : {}),
    };
  } finally {
    optimizer.dispose();
  }
}

/** Re-exported from ./epochs.ts, where both trainers take them. */
export { shuffled, TrainingInterrupted };
