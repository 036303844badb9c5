// What `deno task experiment` and `deno task reproduce` share: parsing the
// common options, choosing the backend, and running one experiment with
// progress, ETA and its figures.
import {
  type BackendName,
  chooseBackend,
  describeAdapter,
  parseBackend,
  useBackend,
} from "../lib/backends/use_backend.ts";
import type { RunRecord } from "../lib/results/run_records.ts";
import {
  checkSelection,
  type Experiment,
  parseCells,
  PROFILE_NAMES,
  type ProfileBase,
  type ProfileName,
  type RunSelection,
} from "./_experiment.ts";
import { runExperiment } from "./_runner.ts";
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
} as const;

/** The help lines of the run-selection options, shared by both commands. */
export const SELECTION_HELP =
  `  --cells FILTER                  only the grid's runs whose config matches, e.g.
                                  noise=none,gamma=0.1|0.5,stabilization=none
  --epochs N                      cap every run at N epochs (default: the profile's)
  --repeats R                     run each cell R times with different seeds (default: 1)
  --optimizer sgd|adam            adam: Adam at the same learning rate instead of the paper's
                                  SGD with momentum 0.9 (not the paper's protocol)`;

/** The parsed common options. */
export interface CliOptions {
  profile: ProfileName;
  backend: BackendName;
  /** Why this backend (auto's reasoning, or "requested"). */
  reason: string;
  adapter: string | null;
  shard: [number, number];
  workers: number;
  out: string;
  seed: number;
  dataDir?: string;
  selection: RunSelection;
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
  const adapter = backend === "webgpu" ? (await describeAdapter())?.description ?? null : null;
  return {
    profile: values.profile as ProfileName,
    backend,
    reason,
    adapter,
    shard,
    workers,
    out: values.out,
    seed,
    dataDir: values["data-dir"],
    selection,
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

/** Runs one experiment with the parsed options, printing progress and ETA. */
export async function runNamed(
  experiment: Experiment<ProfileBase>,
  cli: CliOptions,
): Promise<ExperimentOutcome> {
  const start = performance.now();
  const profile = experiment.profiles[cli.profile];
  console.log(`${experiment.name}, profile ${profile.name}: ${profile.description}`);
  const skipped = await experiment.unavailable({ dataDir: cli.dataDir, seed: cli.seed });
  if (skipped !== null) return { records: [], figures: [], skipped, wallSeconds: 0 };
  console.log(
    `backend ${cli.backend} (${cli.reason}); ${cli.workers} worker(s); shard ${
      cli.shard.join("/")
    }; seed ${cli.seed}; out ${cli.out}`,
  );
  let first: number | null = null;
  const records = await runExperiment(experiment, {
    profile,
    backend: cli.backend,
    adapter: cli.adapter,
    shard: cli.shard,
    out: cli.out,
    seed: cli.seed,
    dataDir: cli.dataDir,
    selection: cli.selection,
    workers: cli.workers,
    progress: (done, total, record) => {
      first ??= done - 1;
      const elapsed = (performance.now() - start) / 1000;
      const eta = (elapsed / (done - first)) * (total - done);
      const outcome = record.status === "nan"
        ? `NaN at epoch ${record.nanEpoch}, step ${record.nanStep}`
        : `${record.completedEpochs} epochs`;
      console.log(
        `[${done}/${total}] ${record.runId}: ${outcome} (${
          record.provenance.wallSeconds.toFixed(1)
        } s; elapsed ${Math.round(elapsed)} s; ETA ${Math.round(eta)} s)`,
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
