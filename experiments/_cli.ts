// What `deno task experiment` and `deno task reproduce` share: parsing the
// common options, choosing the backend, the plan (what a run will cost), and
// running one experiment with progress, ETA and its figures.
import {
  type AdapterDescription,
  type BackendName,
  chooseBackend,
  describeAdapter,
  parseBackend,
  useBackend,
} from "../lib/backends/use_backend.ts";
import { readRecords, type RunRecord } from "../lib/results/run_records.ts";
import {
  checkSelection,
  type Experiment,
  parseCells,
  PROFILE_NAMES,
  type ProfileBase,
  type ProfileName,
  type RunSelection,
  selectRuns,
  shardOf,
} from "./_experiment.ts";
import { runExperiment } from "./_runner.ts";
import { provenance } from "../lib/results/provenance.ts";
import { Eta, type ExperimentPlan, formatDuration, planTable, runCosts } from "./_plan.ts";
import { planExperiment } from "./_calibration.ts";
import { loadPublished } from "./_published.ts";
import { UsageError } from "../lib/cli/usage.ts";

/** The options `experiment` and `reproduce` share, for node:util's parseArgs. */
export const CLI_OPTIONS = {
  profile: { type: "string", default: "default" },
  backend: { type: "string", default: "auto" },
  shard: { type: "string", default: "1/1" },
  workers: { type: "string" },
  out: { type: "string", default: "results" },
  seed: { type: "string", default: "0" },
  "data-dir": { type: "string" },
  cells: { type: "string" },
  epochs: { type: "string" },
  repeats: { type: "string" },
  optimizer: { type: "string" },
  plan: { type: "boolean", default: false },
  stacked: { type: "boolean", default: false },
  "checkpoint-every": { type: "string", default: "1" },
} as const;

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

/** The parsed common options. */
export interface CliOptions {
  profile: ProfileName;
  backend: BackendName;
  /** Why this backend (auto's reasoning, or "requested"). */
  reason: string;
  adapter: string | null;
  /** The adapter's vendor, architecture, limits and features (webgpu only). */
  adapterInfo: AdapterDescription | null;
  shard: [number, number];
  workers: number;
  out: string;
  seed: number;
  dataDir?: string;
  selection: RunSelection;
  /** Train stackable runs as one program each (Experiment.stack). */
  stacked: boolean;
  /** Checkpoint every this many epochs; 0 for none. */
  checkpointEvery: number;
}

/** The common options as parseArgs gives them. */
interface CliValues {
  profile: string;
  backend: string;
  shard: string;
  workers?: string;
  out: string;
  seed: string;
  "data-dir"?: string;
  cells?: string;
  epochs?: string;
  repeats?: string;
  optimizer?: string;
  stacked?: boolean;
  "checkpoint-every"?: string;
}

/** Parses and checks the common options; throws a UsageError naming a bad one. */
export async function parseCli(values: CliValues): Promise<CliOptions> {
  try {
    return await parseChecked(values);
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message, { cause: e }) : e;
  }
}

async function parseChecked(values: CliValues): Promise<CliOptions> {
  if (!(PROFILE_NAMES as readonly string[]).includes(values.profile)) {
    throw new RangeError(
      `--profile must be one of ${PROFILE_NAMES.join(", ")}: received ${values.profile}`,
    );
  }
  const shardMatch = values.shard.match(/^(\d+)\/(\d+)$/);
  if (shardMatch === null) {
    throw new RangeError(`--shard must look like i/n: received ${values.shard}`);
  }
  const shard: [number, number] = [Number(shardMatch[1]), Number(shardMatch[2])];
  if (!(shard[1] >= 1 && shard[0] >= 1 && shard[0] <= shard[1])) {
    throw new RangeError(`--shard must be i/n with 1 <= i <= n: received ${values.shard}`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) {
    throw new RangeError(`--seed must be an integer: received ${values.seed}`);
  }
  const selection: RunSelection = {
    cells: values.cells === undefined ? undefined : parseCells(values.cells),
    epochs: values.epochs === undefined ? undefined : Number(values.epochs),
    repeats: values.repeats === undefined ? undefined : Number(values.repeats),
    optimizer: values.optimizer as RunSelection["optimizer"],
  };
  checkSelection(selection);
  const checkpointEvery = Number(values["checkpoint-every"] ?? 1);
  if (!(Number.isInteger(checkpointEvery) && checkpointEvery >= 0)) {
    throw new RangeError(
      `--checkpoint-every must be an integer of 0 or more: received ${values["checkpoint-every"]}`,
    );
  }
  const requested = values.backend === "auto" ? "auto" : parseBackend(values.backend);
  const { backend, reason } = await chooseBackend(requested);
  // One GPU is shared by one process; on a CPU backend each worker takes a core.
  const workers = values.workers === undefined
    ? (backend === "webgpu" ? 1 : Math.max(1, navigator.hardwareConcurrency))
    : Number(values.workers);
  if (!(Number.isInteger(workers) && workers >= 1)) {
    throw new RangeError(`--workers must be a positive integer: received ${values.workers}`);
  }
  await useBackend(backend);
  const adapterInfo = backend === "webgpu" ? await describeAdapter() : null;
  const adapter = adapterInfo?.description ?? null;
  return {
    profile: values.profile as ProfileName,
    backend,
    reason,
    adapter,
    adapterInfo,
    shard,
    workers,
    out: values.out,
    seed,
    dataDir: values["data-dir"],
    selection,
    // On real GPU hardware (auto's choice) a grid trains as stacks: one
    // device read per epoch instead of one per step.
    stacked: values.stacked === true || (requested === "auto" && backend === "webgpu"),
    checkpointEvery,
  };
}

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
  cli: CliOptions,
  timeUnavailable = true,
  selectionOf: (e: Experiment<ProfileBase>) => RunSelection = () => cli.selection,
): Promise<ExperimentPlan[]> {
  const calibrated = new Map<string, number>();
  const plans: ExperimentPlan[] = [];
  for (const experiment of experiments) {
    const unavailable = await experiment.unavailable({ dataDir: cli.dataDir, seed: cli.seed });
    const calibrate = unavailable === null || timeUnavailable;
    if (calibrate) console.error(`plan: timing ${experiment.name}'s models on ${cli.backend}…`);
    plans.push(
      await planExperiment(experiment, {
        profile: cli.profile,
        selection: selectionOf(experiment),
        shard: cli.shard,
        workers: cli.workers,
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
  cli: CliOptions,
): RunSelection {
  return cli.profile === "default" && cli.selection.cells === undefined &&
      experiment.reproduceCells !== undefined
    ? { ...cli.selection, cells: experiment.reproduceCells }
    : cli.selection;
}

/** Prints the plans: a table, the total, and (with `json`) one JSON object last. */
export function printPlan(plans: ExperimentPlan[], json: boolean): void {
  console.log(planTable(plans));
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
  cli: CliOptions,
  /** The plan's calibrated seconds per step by model, for the ETA. */
  stepSeconds: Record<string, number | null> = {},
): Promise<ExperimentOutcome> {
  const start = performance.now();
  const profile = experiment.profiles[cli.profile];
  const here = (await provenance()).gitCommit;
  console.log(`${experiment.name}, profile ${profile.name}: ${profile.description}`);
  const skipped = await experiment.unavailable({ dataDir: cli.dataDir, seed: cli.seed });
  if (skipped !== null) return { records: [], figures: [], skipped, wallSeconds: 0 };
  console.log(
    `backend ${cli.backend} (${cli.reason}); ${
      cli.stacked && experiment.stack ? "stacked runs" : `${cli.workers} worker(s)`
    }; shard ${cli.shard.join("/")}; seed ${cli.seed}; out ${cli.out}`,
  );
  // The ETA: the steps the runs left are expected to take, each model's at
  // the pace its finished runs went (Eta); a stack's runs share one wall
  // time, so stacked runs go at the pace of all steps done so far.
  const selected = shardOf(selectRuns(experiment.grid(profile), cli.selection), ...cli.shard);
  const published = await loadPublished();
  const costs = new Map(
    runCosts(
      selected,
      experiment.datasetSize,
      (c) => experiment.publishedRun(published, c),
      (c) => experiment.stepModel(c).key,
    ).map((c) => [c.runId, c]),
  );
  const expectedSteps = (id: string) =>
    (costs.get(id)?.expectedEpochs ?? 0) * (costs.get(id)?.stepsPerEpoch ?? 0);
  // Runs already recorded (a resumed folder) are skipped by the runner.
  const recorded = await readRecords(`${cli.out}/${experiment.name}/runs.jsonl`);
  const skippedIds = new Set(recorded.map((r) => r.runId));
  const left = [...costs.keys()].filter((id) => !skippedIds.has(id));
  const stacked = cli.stacked && experiment.stack !== undefined;
  let remaining = left.reduce((s, id) => s + expectedSteps(id), 0);
  let stepsDone = 0;
  const eta = new Eta(
    left.map((id) => ({ model: costs.get(id)!.model, steps: expectedSteps(id) })),
    cli.workers,
    stepSeconds,
  );
  const records = await runExperiment(experiment, {
    profile,
    backend: cli.backend,
    adapter: cli.adapter,
    adapterInfo: cli.adapterInfo,
    shard: cli.shard,
    out: cli.out,
    seed: cli.seed,
    dataDir: cli.dataDir,
    selection: cli.selection,
    workers: cli.workers,
    stacked: cli.stacked,
    checkpointEvery: cli.checkpointEvery,
    resumed: (runId, from) => {
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
      const trained = record.completedEpochs * (cost?.stepsPerEpoch ?? 0) + (record.nanStep ?? 0);
      stepsDone += trained;
      remaining -= expectedSteps(record.runId);
      eta.finished(
        cost?.model ?? "",
        expectedSteps(record.runId),
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
  });
  const figures = records.length > 0
    ? await experiment.figures(records, `${cli.out}/${experiment.name}`)
    : [];
  const wallSeconds = (performance.now() - start) / 1000;
  console.log(
    `${records.length} runs in ${cli.out}/${experiment.name}/runs.jsonl; ${figures.join(", ")} (${
      wallSeconds.toFixed(0)
    } s)`,
  );
  return { records, figures, skipped: null, wallSeconds };
}
