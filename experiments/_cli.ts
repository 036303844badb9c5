// What `deno task experiment` and `deno task reproduce` share once their
// settings are parsed (experiments/_settings.ts): the plan (what a run will
// cost), and running one experiment with progress, ETA and its figures.
import type { Experiment, ProfileBase, RunSelection } from "./_experiment.ts";
import { pendingRuns, runExperiment } from "./_runner.ts";
import type { Settings } from "./_settings.ts";
import { provenance } from "../lib/results/provenance.ts";
import {
  Eta,
  type ExperimentPlan,
  formatDuration,
  planTable,
  runCosts,
  stepsBefore,
} from "./_plan.ts";
import { planExperiment } from "./_calibration.ts";
import { loadPublished } from "./_published.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

/** The help lines of the run-selection options, shared by both commands. */
export const SELECTION_HELP =
  `  --cells FILTER                  only the grid's runs whose config matches, e.g.
                                  noise=none,gamma=0.1|0.5,stabilization=none
  --epochs N                      cap every run at N epochs (default: the profile's)
  --repeats R                     run each cell R times with different seeds (default: 1)
  --optimizer sgd|adam            adam: Adam at the same learning rate instead of the paper's
                                  SGD with momentum 0.9 (not the paper's protocol)
  --stacked                       train the runs that can share a program as one (for a GPU;
                                  --backend auto on real GPU hardware does); they share order
                                  and noise per noise level, and their records say stacked
  --checkpoint-every N            save each run's checkpoint every N epochs (and on SIGTERM or
                                  SIGINT) in <out>/<experiment>/checkpoints/, and resume from it;
                                  0: none (default: 1; a stack of runs checkpoints as one)
  --plan                          print what the runs would cost (runs, epochs, steps, and the
                                  wall time from a few timed steps of each model here), then stop`;

/** What running one experiment gave. */
export interface ExperimentOutcome {
  records: RunRecord[];
  figures: string[];
  /** Null when it ran, else why it was skipped. */
  skipped: string | null;
  wallSeconds: number;
}

/**
 * The plans of `experiments` under the parsed options, each model timed once
 * on the chosen backend (progress on stderr). An experiment that cannot run
 * here (no data) is timed only for `--plan` (`timeUnavailable`): before a
 * run, its steps are enough, and timing the paper's ViT-B costs most of a
 * minute.
 */
export async function planAll(
  experiments: Experiment<ProfileBase>[],
  settings: Settings,
  timeUnavailable = true,
  selectionOf: (e: Experiment<ProfileBase>) => RunSelection = () => settings.selection,
): Promise<ExperimentPlan[]> {
  const calibrated = new Map<string, number>();
  const plans: ExperimentPlan[] = [];
  for (const experiment of experiments) {
    const unavailable = await experiment.unavailable({
      dataDir: settings.dataDir,
      seed: settings.seed,
    });
    const calibrate = unavailable === null || timeUnavailable;
    if (calibrate) {
      console.error(`plan: timing ${experiment.name}'s models on ${settings.backend.name}…`);
    }
    plans.push(
      await planExperiment(experiment, {
        profile: settings.profile,
        selection: selectionOf(experiment),
        shard: settings.shard,
        workers: settings.workers,
        calibrate,
        calibrated,
        unavailable,
      }),
    );
  }
  return plans;
}

/**
 * What `deno task reproduce` runs of an experiment: the command line's
 * selection, or with the default profile and no --cells the experiment's
 * reproduceCells (a sample of a long default profile).
 */
export function reproduceSelection(
  experiment: Experiment<ProfileBase>,
  settings: Settings,
): RunSelection {
  return settings.profile === "default" && settings.selection.cells === undefined &&
      experiment.reproduceCells !== undefined
    ? { ...settings.selection, cells: experiment.reproduceCells }
    : settings.selection;
}

/** Prints the plans: a table, the total, and (with `json`) one JSON object last. */
export function printPlan(plans: ExperimentPlan[], json: boolean): void {
  console.log(planTable(plans));
  for (const p of plans) for (const note of p.notes ?? []) console.log(`${p.experiment}: ${note}`);
  // What will run here: the experiments with their data.
  const runnable = plans.filter((p) => p.unavailable === null);
  const total = (k: "upper" | "expected") =>
    runnable.some((p) => p.wallSeconds[k] === null)
      ? null
      : runnable.reduce((s, p) => s + p.wallSeconds[k]!, 0);
  console.log(
    `\nestimated wall time here, experiments run one after another: ${
      formatDuration(total("upper"))
    } at the epoch caps, ${formatDuration(total("expected"))} if the original runs stop where ` +
      "the paper's did (seconds per step: a few optimizer steps on random inputs; the runner's " +
      "batching and noise add 6–10%)",
  );
  if (json) console.log(JSON.stringify({ plans }));
}

/** Runs one experiment with the parsed options, printing progress and ETA. */
export async function runNamed(
  experiment: Experiment<ProfileBase>,
  settings: Settings,
  /** The plan's calibrated seconds per step by model, for the ETA. */
  stepSeconds: Record<string, number | null> = {},
): Promise<ExperimentOutcome> {
  const start = performance.now();
  const profile = experiment.profiles[settings.profile];
  const here = (await provenance()).gitCommit;
  console.log(`${experiment.name}, profile ${profile.name}: ${profile.description}`);
  const skipped = await experiment.unavailable({ dataDir: settings.dataDir, seed: settings.seed });
  if (skipped !== null) return { records: [], figures: [], skipped, wallSeconds: 0 };
  console.log(
    `backend ${settings.backend.name} (${settings.backend.reason}); ${
      settings.stacked && experiment.stack ? "stacked runs" : `${settings.workers} worker(s)`
    }; shard ${settings.shard.join("/")}; seed ${settings.seed}; out ${settings.out}`,
  );
  // The runs still to train (a resumed folder's recorded ones skipped),
  // computed once: for the ETA here and for the runner.
  const pending = await pendingRuns(experiment, settings);
  // The ETA: the steps the runs left are expected to take, each model's at
  // the pace its finished runs went (Eta); a stack's runs share one wall
  // time, so stacked runs go at the pace of all steps done so far.
  const published = await loadPublished();
  const costs = new Map(
    runCosts(
      pending.todo,
      experiment.datasetSize,
      (c) => experiment.publishedRun(published, c),
      (c) => experiment.stepModel(c).key,
    ).map((c) => [c.runId, c]),
  );
  const expectedSteps = (id: string) =>
    (costs.get(id)?.expectedEpochs ?? 0) * (costs.get(id)?.stepsPerEpoch ?? 0);
  const stacked = settings.stacked && experiment.stack !== undefined;
  let remaining = [...costs.keys()].reduce((s, id) => s + expectedSteps(id), 0);
  let stepsDone = 0;
  const eta = new Eta(
    [...costs.keys()].map((id) => ({ model: costs.get(id)!.model, steps: expectedSteps(id) })),
    settings.workers,
    stepSeconds,
  );
  // Steps a resumed run had trained before this invocation: neither left
  // to do nor part of this invocation's pace.
  const before = new Map<string, number>();
  const records = await runExperiment(experiment, settings, {
    resumed: (runId, from) => {
      const cost = costs.get(runId);
      const steps = stepsBefore(from, cost?.stepsPerEpoch ?? 0);
      before.set(runId, steps);
      eta.resumed(cost?.model ?? "", steps);
      remaining -= steps;
      console.log(
        `${runId}: resuming from its checkpoint at epoch ${from.epoch}, step ${from.step}`,
      );
      if (from.gitCommit !== here) {
        console.warn(
          `warning: ${runId}'s checkpoint was written at commit ${from.gitCommit.slice(0, 7)}, ` +
            `this is ${here.slice(0, 7)}; the record names both (provenance.resumed)`,
        );
      }
    },
    progress: (done, total, record) => {
      const elapsed = (performance.now() - start) / 1000;
      const cost = costs.get(record.runId);
      const already = before.get(record.runId) ?? 0;
      const trained = record.completedEpochs * (cost?.stepsPerEpoch ?? 0) +
        (record.nanStep ?? 0) - already;
      stepsDone += trained;
      remaining -= expectedSteps(record.runId) - already;
      eta.finished(
        cost?.model ?? "",
        expectedSteps(record.runId) - already,
        trained,
        record.provenance.wallSeconds,
      );
      const etaSeconds = stacked
        ? (stepsDone > 0 ? (elapsed / stepsDone) * Math.max(0, remaining) : 0)
        : eta.seconds();
      const outcome = record.status === "nan"
        ? `NaN at epoch ${record.nanEpoch}, step ${record.nanStep}`
        : `${record.completedEpochs} epochs`;
      console.log(
        `[${done}/${total}] ${record.runId}: ${outcome} (${
          record.provenance.wallSeconds.toFixed(1)
        } s; elapsed ${formatDuration(elapsed)}; ETA ${formatDuration(etaSeconds)})`,
      );
    },
  }, pending);
  const figures = records.length > 0
    ? await experiment.figures(records, `${settings.out}/${experiment.name}`)
    : [];
  const wallSeconds = (performance.now() - start) / 1000;
  console.log(
    `${records.length} runs in ${settings.out}/${experiment.name}/runs.jsonl; ${
      figures.join(", ")
    } (${wallSeconds.toFixed(0)} s)`,
  );
  return { records, figures, skipped: null, wallSeconds };
}
