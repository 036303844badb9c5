// What a run of an experiment will cost, before it runs: per experiment and
// shard, the runs, their epochs and steps (an upper bound at the epoch cap,
// and an expectation that stops each original run where the paper's
// published run met its NaN), and the wall time on this machine from a
// calibration (experiments/_calibration.ts) that times a few training steps
// of each model here. This file is pure arithmetic, safe to import anywhere.
import type * as tf from "@tensorflow/tfjs";
import type { RunRecord } from "../lib/results/run_records.ts";
import type { GridRun } from "./_experiment.ts";
import type { PublishedRun } from "./_published.ts";

/** One model's training step, as the calibration times it. */
export interface StepModel {
  /** Runs with the same key share one calibration (e.g. "unet-a6-width64, batch 64"). */
  key: string;
  /** The model, a batch of inputs and targets at `batch` images. */
  build(batch: number): {
    model: { forward(x: tf.Tensor4D): tf.Tensor; variables: tf.Variable[] };
    x: tf.Tensor4D;
    y: tf.Tensor;
  };
  /** The runs' batch size. */
  batch: number;
  /**
   * Images per timed step, at most `batch`: large models are timed on fewer
   * images and scaled linearly to the batch (an estimate, said so).
   */
  calibrationBatch: number;
}

/** The planned cost of one run. */
export interface RunCost {
  runId: string;
  stepsPerEpoch: number;
  /** The epoch cap. */
  epochs: number;
  /** Epochs expected: the cap, or the paper's NaN epoch for an original run that met one. */
  expectedEpochs: number;
  model: string;
}

/** Steps a run resumed from a checkpoint had trained before: the epochs before its epoch, and its step. */
export function stepsBefore(from: { epoch: number; step: number }, stepsPerEpoch: number): number {
  return (from.epoch - 1) * stepsPerEpoch + from.step;
}

/** Steps of one epoch: the whole (or sampled) set in batches, the last one partial. */
export function stepsPerEpoch(images: number, batch: number): number {
  return Math.ceil(images / batch);
}

/**
 * The cost of each run of a selection: `published` gives the paper's run of
 * a config (undefined when the paper has none), whose NaN epoch bounds the
 * expected epochs of an original run.
 */
export function runCosts(
  runs: GridRun[],
  datasetSize: number,
  published: (config: RunRecord["config"]) => PublishedRun | undefined,
  modelKey: (config: RunRecord["config"]) => string,
): RunCost[] {
  return runs.map((run) => {
    const c = run.config;
    const epochs = c.epochs;
    const paper = c.stabilization === "none" ? published(c) : undefined;
    // The paper's run met its NaN in epoch completedEpochs + 1.
    const paperNan = paper && paper.completedEpochs < paper.maxEpochs
      ? paper.completedEpochs + 1
      : Infinity;
    return {
      runId: run.runId,
      stepsPerEpoch: stepsPerEpoch(c.trainSamples ?? datasetSize, c.batchSize),
      epochs,
      expectedEpochs: Math.min(epochs, paperNan),
      model: modelKey(c),
    };
  });
}

/** The plan of one experiment's shard. */
export interface ExperimentPlan {
  experiment: string;
  profile: string;
  shard: string;
  runs: number;
  /** Σ epochs over the runs: at the cap, and as expected. */
  runEpochs: { upper: number; expected: number };
  steps: { upper: number; expected: number };
  /** Seconds per step of each model, as calibrated here (null: not calibrated). */
  secondsPerStep: Record<string, number | null>;
  workers: number;
  /** Estimated wall seconds with `workers` runs at once (null: not calibrated). */
  wallSeconds: { upper: number | null; expected: number | null };
  /** Why it would not run here (missing data), or null. */
  unavailable: string | null;
  /** What the experiment adds to its plan (Experiment.planNotes). */
  notes?: string[];
}

/** "3 h 12 min", "4 min 05 s", "12 s"; "n/a" for null. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "n/a";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  const hours = Math.floor(s / 3600);
  return hours < 48
    ? `${hours} h ${String(Math.round((s % 3600) / 60)).padStart(2, "0")} min`
    : `${(s / 86400).toFixed(1)} days`;
}

/** The plans as a markdown table, one row per experiment and shard. */
export function planTable(plans: ExperimentPlan[]): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const rows = plans.map((p) =>
    `| ${p.experiment}${
      p.unavailable === null ? "" : " (no data here)"
    } | ${p.shard} | ${p.runs} | ${n(p.runEpochs.upper)} / ${n(p.runEpochs.expected)} | ${
      n(p.steps.upper)
    } / ${n(p.steps.expected)} | ${
      Object.entries(p.secondsPerStep).map(([k, v]) =>
        `${k}: ${v === null ? "n/a" : `${(v * 1000).toFixed(1)} ms`}`
      ).join("; ")
    } | ${p.workers} | ${formatDuration(p.wallSeconds.upper)} / ${
      formatDuration(p.wallSeconds.expected)
    } |`
  );
  return [
    "| experiment | shard | runs | run-epochs (cap / expected) | steps (cap / expected) | " +
    "seconds per step, by model | workers | wall time (cap / expected) |",
    "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ...rows,
  ].join("\n");
}

/**
 * Shards needed so that each finishes within `limitSeconds` (a CI job's
 * limit, with a margin already taken off): the plan's wall time at the epoch
 * caps, split evenly by the round-robin sharding. At least 1.
 */
export function shardsNeeded(plan: ExperimentPlan, limitSeconds: number): number {
  if (plan.wallSeconds.upper === null) throw new RangeError(`${plan.experiment}: not calibrated`);
  return Math.max(1, Math.ceil(plan.wallSeconds.upper / limitSeconds));
}

/**
 * The progress line's ETA while an experiment runs: the expected steps left
 * of each model at that model's own pace (the wall seconds per step of its
 * finished runs, shared among the workers), so that a grid mixing a U-Net
 * and a CNN is not paced by whichever finished first. A model without a
 * finished run goes at the pace of all finished steps.
 */
export class Eta {
  #left = new Map<string, number>();
  #done = new Map<string, { seconds: number; steps: number }>();

  /**
   * `left`: each run still to train, its model and expected steps; `workers`:
   * runs at once; `calibrated`: the plan's seconds per step by model, which
   * price a model until one of its runs has finished.
   */
  constructor(
    left: { model: string; steps: number }[],
    readonly workers: number,
    readonly calibrated: Record<string, number | null> = {},
  ) {
    for (const { model, steps } of left) {
      this.#left.set(model, (this.#left.get(model) ?? 0) + steps);
    }
  }

  /**
   * A run resumed from a checkpoint with `steps` already trained by an
   * earlier invocation: they leave the estimate (its finish then passes the
   * steps it had left as `expected`, and only those it trained here).
   */
  resumed(model: string, steps: number): void {
    this.#left.set(model, Math.max(0, (this.#left.get(model) ?? 0) - steps));
  }

  /** A run finished: `expected` steps leave the estimate, `trained` took `seconds` of its wall time. */
  finished(model: string, expected: number, trained: number, seconds: number): void {
    this.#left.set(model, Math.max(0, (this.#left.get(model) ?? 0) - expected));
    const d = this.#done.get(model) ?? { seconds: 0, steps: 0 };
    this.#done.set(model, { seconds: d.seconds + seconds, steps: d.steps + trained });
  }

  /**
   * Seconds left, or 0 before any run finished. A model with a finished run
   * goes at its own pace; one without, at its calibrated step scaled by how
   * the finished models' pace compared with their calibration (the runner's
   * batching, noise and workers), else at the pace of all finished steps.
   */
  seconds(): number {
    const all = [...this.#done.values()].reduce(
      (s, d) => ({ seconds: s.seconds + d.seconds, steps: s.steps + d.steps }),
      { seconds: 0, steps: 0 },
    );
    if (all.steps === 0) return 0;
    // Observed over calibrated, over the models that have both.
    const both = [...this.#done].filter(([m, d]) => d.steps > 0 && this.calibrated[m]);
    const scale = both.length === 0 ? null : both.reduce((s, [, d]) => s + d.seconds, 0) /
      both.reduce((s, [m, d]) => s + d.steps * this.calibrated[m]!, 0);
    let total = 0;
    for (const [model, steps] of this.#left) {
      const d = this.#done.get(model);
      const calibrated = this.calibrated[model];
      total += steps *
        (d && d.steps > 0
          ? d.seconds / d.steps
          : calibrated && scale !== null
          ? calibrated * scale
          : all.seconds / all.steps);
    }
    return total / this.workers;
  }
}
