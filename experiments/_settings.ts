// One invocation's settings, as one typed object: parsed from the command
// line once (parseCli, pure), completed by starting the backend
// (startBackend: the worker count and stacking depend on it), then passed
// whole to the runner, to each Web Worker and into the checkpoints.
import {
  type AdapterDescription,
  type BackendName,
  chooseBackend,
  describeAdapter,
  parseBackend,
  useBackend,
} from "../lib/backends/use_backend.ts";
import { UsageError } from "../lib/cli/usage.ts";
import { checkSelection, parseCells, PROFILE_NAMES, type RunSelection } from "./_experiment.ts";

/** The backend an invocation trains on, once started. */
export interface StartedBackend {
  name: BackendName;
  /** Why this backend (auto's reasoning, or "requested"). */
  reason: string;
  /** The adapter's one-line description (webgpu only). */
  adapter: string | null;
  /** The adapter's vendor, architecture, limits and features (webgpu only). */
  adapterInfo: AdapterDescription | null;
}

/** Everything one invocation of `experiment` or `reproduce` runs with. */
export interface Settings {
  /** One of the experiment's profiles (`reproduce`: one of PROFILE_NAMES). */
  profile: string;
  backend: StartedBackend;
  /** [i, n]: every n-th run of the grid, starting at the i-th (1-based). */
  shard: [number, number];
  /** Runs trained at once: 1 in this process, more in that many Web Workers. */
  workers: number;
  /** Results root: records go to <out>/<experiment>/runs.jsonl. */
  out: string;
  /** Seeds every run's streams (runSeeds). */
  seed: number;
  /** Official dataset files, tried first. */
  dataDir?: string;
  /** Which cells, how many epochs and repeats, which optimizer. */
  selection: RunSelection;
  /**
   * Train the runs an experiment can stack as one program each
   * (Experiment.stack, for a GPU); their configs record `stacked: true`.
   */
  stacked: boolean;
  /**
   * Save each run's checkpoint every this many epochs (and on SIGTERM or
   * SIGINT), and resume from it; 0: none.
   */
  checkpointEvery: number;
}

/** The settings as the command line gives them, before a backend is started. */
export interface CommandLine extends Omit<Settings, "backend" | "workers"> {
  backend: BackendName | "auto";
  /** Absent: one per core on a CPU backend, 1 on webgpu. */
  workers?: number;
}

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

/** The common options as parseArgs gives them. */
export interface CliValues {
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

/**
 * Parses and checks the common options (starts nothing); throws a UsageError
 * naming a bad one. `profiles`: the names --profile may take (an
 * experiment's own, or those every experiment has).
 */
export function parseCli(
  values: CliValues,
  profiles: readonly string[] = PROFILE_NAMES,
): CommandLine {
  try {
    return parseChecked(values, profiles);
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message, { cause: e }) : e;
  }
}

/** An integer option of at least `min` (1: positive), or a RangeError naming it. */
function integer(option: string, text: string, { min = 1 } = {}): number {
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= min)) {
    throw new RangeError(
      `${option} must be ${min === 0 ? "an integer of 0 or more" : "a positive integer"}: ` +
        `received ${text}`,
    );
  }
  return value;
}

function parseChecked(values: CliValues, profiles: readonly string[]): CommandLine {
  if (!profiles.includes(values.profile)) {
    throw new RangeError(
      `--profile must be one of ${profiles.join(", ")}: received ${values.profile}`,
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
  return {
    profile: values.profile,
    backend: values.backend === "auto" ? "auto" : parseBackend(values.backend),
    shard,
    ...(values.workers === undefined ? {} : { workers: integer("--workers", values.workers) }),
    out: values.out,
    seed,
    ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"] }),
    selection,
    stacked: values.stacked === true,
    checkpointEvery: integer("--checkpoint-every", values["checkpoint-every"] ?? "1", { min: 0 }),
  };
}

/**
 * Chooses and starts the backend of `line` (auto: webgpu on real GPU
 * hardware, else wasm), then completes the settings that depend on it: the
 * worker count and, on real GPU hardware chosen by auto, stacked runs.
 */
export async function startBackend(line: CommandLine): Promise<Settings> {
  const { backend: name, reason } = await chooseBackend(line.backend);
  await useBackend(name);
  const adapterInfo = name === "webgpu" ? await describeAdapter() : null;
  return {
    ...line,
    backend: { name, reason, adapter: adapterInfo?.description ?? null, adapterInfo },
    // One GPU is shared by one process; on a CPU backend each worker takes a core.
    workers: line.workers ?? (name === "webgpu" ? 1 : Math.max(1, navigator.hardwareConcurrency)),
    // On real GPU hardware (auto's choice) a grid trains as stacks: one
    // device read per epoch instead of one per step.
    stacked: line.stacked || (line.backend === "auto" && name === "webgpu"),
  };
}

/** Settings for a program or test that builds them itself: `overrides` over one wasm process. */
export function settingsOf(overrides: Partial<Settings> & Pick<Settings, "out">): Settings {
  return {
    profile: "smoke",
    backend: { name: "wasm", reason: "requested", adapter: null, adapterInfo: null },
    shard: [1, 1],
    workers: 1,
    seed: 0,
    selection: {},
    stacked: false,
    checkpointEvery: 1,
    ...overrides,
  };
}
