// The plan's calibration: a few optimizer steps of each model of a profile,
// on random inputs, on the active backend; and the plan of an experiment's
// shard with those timings (experiments/_plan.ts does the arithmetic).
import * as tf from "@tensorflow/tfjs";
import { settle } from "../lib/backends/use_backend.ts";
import { protocolStep } from "../lib/train/protocol_step.ts";
import {
  type Experiment,
  type ProfileBase,
  type RunSelection,
  selectRuns,
  shardOf,
} from "./_experiment.ts";
import { loadPublished } from "./_published.ts";
import { type ExperimentPlan, type RunCost, runCosts, type StepModel } from "./_plan.ts";

/** Random images [batch, h, w, c] in [0, 1] and binary targets [batch, 1] (30% ones). */
export function randomBinaryBatch(
  batch: number,
  [h, w, c]: [number, number, number],
): { x: tf.Tensor4D; y: tf.Tensor } {
  const x = tf.randomUniform([batch, h, w, c], 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.cast(tf.less(tf.randomUniform([batch, 1], 0, 1, "float32", 2), 0.3), "float32");
  return { x, y };
}

/** Seconds per training step of a model on the active backend, from a few timed steps. */
export async function calibrate(step: StepModel, timedSteps = 3): Promise<number> {
  const { model, x, y } = step.build(step.calibrationBatch);
  const { step: run, optimizer } = protocolStep({ model, x, y });
  const once = async () => {
    run();
    await settle();
  };
  await once(); // compiles, allocates
  const start = performance.now();
  for (let i = 0; i < timedSteps; i++) await once();
  const seconds = (performance.now() - start) / 1000 / timedSteps;
  tf.dispose([x, y, ...model.variables]);
  optimizer.dispose();
  return seconds * (step.batch / step.calibrationBatch);
}

/** Options of {@linkcode planExperiment}. */
export interface PlanOptions {
  /** One of the experiment's profiles. */
  profile: string;
  selection?: RunSelection;
  shard: [number, number];
  workers: number;
  /** Time each model here; false gives steps only. */
  calibrate: boolean;
  /** Seconds per step already measured, by model key (shared across experiments). */
  calibrated?: Map<string, number>;
  unavailable: string | null;
}

/** The plan of `experiment` under `options`. */
export async function planExperiment(
  experiment: Experiment<ProfileBase>,
  options: PlanOptions,
): Promise<ExperimentPlan> {
  const profile = experiment.profiles[options.profile];
  const runs = shardOf(selectRuns(experiment.grid(profile), options.selection), ...options.shard);
  const published = await loadPublished();
  const costs = runCosts(
    runs,
    experiment.datasetSize,
    (c) => experiment.publishedRun(published, c),
    (c) => experiment.stepModel(c).key,
  );
  const calibrated = options.calibrated ?? new Map<string, number>();
  const secondsPerStep: Record<string, number | null> = {};
  for (const run of runs) {
    const step = experiment.stepModel(run.config);
    if (step.key in secondsPerStep) continue;
    if (options.calibrate && !calibrated.has(step.key)) {
      calibrated.set(step.key, await calibrate(step));
    }
    secondsPerStep[step.key] = calibrated.get(step.key) ?? null;
  }
  const sum = (f: (c: RunCost) => number) => costs.reduce((s, c) => s + f(c), 0);
  const wall = (epochs: (c: RunCost) => number) =>
    costs.some((c) => secondsPerStep[c.model] === null)
      ? null
      : sum((c) => epochs(c) * c.stepsPerEpoch * secondsPerStep[c.model]!) / options.workers;
  return {
    experiment: experiment.name,
    profile: profile.name,
    shard: options.shard.join("/"),
    runs: runs.length,
    runEpochs: { upper: sum((c) => c.epochs), expected: sum((c) => c.expectedEpochs) },
    steps: {
      upper: sum((c) => c.epochs * c.stepsPerEpoch),
      expected: sum((c) => c.expectedEpochs * c.stepsPerEpoch),
    },
    secondsPerStep,
    workers: options.workers,
    wallSeconds: { upper: wall((c) => c.epochs), expected: wall((c) => c.expectedEpochs) },
    unavailable: options.unavailable,
    ...(experiment.planNotes ? { notes: await experiment.planNotes() } : {}),
  };
}
