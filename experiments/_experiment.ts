// What every experiment of the paper provides to the shared runner
// (experiments/_runner.ts): its profiles as data, its grid of runs, how to
// load its data once per process, how to train one run, its figures, and its
// section of the report (experiments/_report.ts).
import type { TrainingCheckpoints } from "../lib/train/train_binary.ts";
import type { RunOutcome, RunRecord } from "../lib/results/run_records.ts";
import { type OptimizerConfig, PAPER_OPTIMIZER } from "../lib/train/optimizer.ts";
import type { Section, StepRecord } from "./_sections.ts";
import type { PublishedResults, PublishedRun } from "./_published.ts";
import type { StepModel } from "./_plan.ts";

/** The profiles every experiment has: as published, one small machine, CI. */
export type ProfileName = "paper" | "default" | "smoke";

/** The profile names, in the order help texts list them. */
export const PROFILE_NAMES: readonly ProfileName[] = ["paper", "default", "smoke"];

/** What all profiles share. */
export interface ProfileBase {
  name: string;
  description: string;
}

/**
 * An experiment's profiles: the three every experiment has, and any of its
 * own (a longer run at one scale), which only `deno task experiment` runs.
 */
export type Profiles<P> = Record<ProfileName, P> & Record<string, P>;

/** What every experiment's protocol fixes for all of a profile's runs. */
export interface TrainingProtocol {
  /** Epochs of each run: the paper's, or a cap below it. */
  epochs: number;
  /** Training images (a seeded subset), or null for the whole set (the paper's). */
  trainSamples: number | null;
  batchSize: number;
  optimizer: OptimizerConfig;
  /** α of the focal loss. */
  alpha: number;
  /** ε of the stabilized loss, Eq. (11). */
  epsilon: number;
}

/**
 * The config fields every run records from its protocol and its loss, in
 * the records' order (an experiment's own fields go before and after).
 */
export function protocolConfig(
  protocol: TrainingProtocol,
  gamma: number,
  stabilization: "none" | "epsilon",
) {
  return {
    gamma,
    alpha: protocol.alpha,
    stabilization,
    epsilon: stabilization === "epsilon" ? protocol.epsilon : 0,
    epochs: protocol.epochs,
    trainSamples: protocol.trainSamples,
    batchSize: protocol.batchSize,
    ...protocol.optimizer,
  };
}

/** One run of a grid: an id, its position, and the configuration it records. */
export interface GridRun {
  runId: string;
  /** Position in the selected grid: a merge of shards sorts by it. */
  index: number;
  /**
   * What the run shares with others, named by its grid: its cell without the
   * loss arm (and its repeat), so an original run and its stabilized twin
   * get the same seeds (runSeeds).
   */
  pair: string;
  config: RunRecord["config"];
}

/** Which runs of a profile's grid to train, and how long: the command line's choice. */
export interface RunSelection {
  /**
   * Config filters: each key's value must be one of the listed ones (e.g.
   * { noise: ["none"], gamma: ["0.1", "0.5"] }). Empty: every run.
   */
  cells?: Record<string, string[]>;
  /** Caps every run at this many epochs (the profile's when absent). */
  epochs?: number;
  /** Runs each cell this many times with different seeds. @default {1} */
  repeats?: number;
  /**
   * Trains with this optimizer instead of the profile's (the paper's SGD):
   * Adam at the same learning rate, for comparison. Never the paper's protocol.
   */
  optimizer?: "sgd" | "adam";
}

/**
 * Parses `--cells`: comma-separated key=value pairs, alternatives joined by
 * `|` ("noise=none,gamma=0.1|0.5,stabilization=none").
 */
export function parseCells(text: string): Record<string, string[]> {
  const cells: Record<string, string[]> = {};
  for (const pair of text.split(",").filter((p) => p.trim() !== "")) {
    const match = pair.match(/^\s*([A-Za-z]+)\s*=\s*([^=]+?)\s*$/);
    if (match === null) {
      throw new RangeError(`--cells takes key=value[|value],...: received '${pair}'`);
    }
    (cells[match[1]] ??= []).push(...match[2].split("|").map((v) => v.trim()));
  }
  return cells;
}

function matches(config: RunRecord["config"], cells: Record<string, string[]>): boolean {
  return Object.entries(cells).every(([key, wanted]) => {
    const value = config[key];
    return wanted.some((w) =>
      String(value) === w || (typeof value === "number" && Number(w) === value)
    );
  });
}

/** Throws a RangeError naming the option when epochs or repeats is not a positive integer. */
export function checkSelection({ epochs, repeats, optimizer }: RunSelection): void {
  if (optimizer !== undefined && optimizer !== "sgd" && optimizer !== "adam") {
    throw new RangeError(`--optimizer must be sgd or adam: received ${optimizer}`);
  }
  for (const [option, value] of [["--epochs", epochs], ["--repeats", repeats]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(`${option} must be a positive integer: received ${value}`);
    }
  }
}

/**
 * The runs a selection picks from a grid, renumbered in grid order: the
 * filtered cells, each capped at `epochs` and repeated `repeats` times
 * (repeat r > 0 adds "/repeat=r" to the run id and `repeat: r` to the
 * config, so repeat 0 is the run a plain invocation records).
 */
export function selectRuns(grid: GridRun[], selection: RunSelection = {}): GridRun[] {
  checkSelection(selection);
  const { cells = {}, epochs, repeats = 1, optimizer } = selection;
  const keys = new Set(grid.flatMap((r) => Object.keys(r.config)));
  for (const key of Object.keys(cells)) {
    if (!keys.has(key)) {
      throw new RangeError(
        `--cells: no run has '${key}'; the configs have ${[...keys].join(", ")}`,
      );
    }
  }
  const chosen = grid.filter((r) => matches(r.config, cells));
  for (const [key, wanted] of Object.entries(cells)) {
    const values = [...new Set(grid.map((r) => String(r.config[key])))];
    // A filter that selects nothing is a mistake (a value spelled as the run id
    // spells it, say); one with some values absent (a smaller profile) is not.
    const unknown = wanted.filter((w) => !grid.some((r) => matches(r.config, { [key]: [w] })));
    if (unknown.length === wanted.length) {
      throw new RangeError(
        `--cells: no run has ${key}=${unknown.join("|")}; its values are ${values.join(", ")}`,
      );
    }
  }
  return chosen.flatMap((run) =>
    Array.from({ length: repeats }, (_, repeat) => ({
      runId: repeat === 0 ? run.runId : `${run.runId}/repeat=${repeat}`,
      index: 0,
      pair: repeat === 0 ? run.pair : `${run.pair}/repeat=${repeat}`,
      config: {
        ...withOptimizer(run.config, optimizer),
        ...(epochs !== undefined ? { epochs } : {}),
        ...(repeat > 0 ? { repeat } : {}),
      },
    }))
  ).map((run, index) => ({ ...run, index }));
}

/** A config with its optimizer fields replaced by `optimizer`'s, at the same learning rate. */
function withOptimizer(
  config: RunRecord["config"],
  optimizer: "sgd" | "adam" | undefined,
): RunRecord["config"] {
  if (optimizer === undefined || optimizer === config.optimizer) return config;
  const { momentum: _, ...rest } = config;
  return optimizer === "adam"
    ? { ...rest, optimizer: "adam" }
    : { ...rest, ...PAPER_OPTIMIZER, learningRate: config.learningRate };
}

/**
 * A run's seed from the invocation's seed and a key naming what the run
 * shares with others (its cell without the loss, plus its repeat), so that
 * a cell gets the same seed in every profile and selection, and an original
 * run and its stabilized twin start from the same weights and see the same
 * batches and noise. FNV-1a of the key, mixed with the seed.
 */
export function seedOf(seed: number, key: string): number {
  let h = 0x811c9dc5;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return ((h ^ Math.imul(seed, 0x9e3779b1)) >>> 0) % 2147483647;
}

/**
 * A run's seeds, one per stream of randomness, all from seedOf(seed, run.pair).
 * The streams' values (base, base + 1, base + 2) are those every committed
 * record and checkpoint was made with: changing one changes every run.
 */
export interface RunSeeds {
  /** The training subset, the label noise, the initial weights. */
  init: number;
  /** The input noise of each batch (imageBatches). */
  batches: number;
  /** Each epoch's sample order (trainBinary, trainStacked). */
  order: number;
}

/** The seeds of the runs that share `pair` (GridRun.pair), under the invocation's seed. */
export function runSeeds(seed: number, pair: string): RunSeeds {
  const base = seedOf(seed, pair);
  return { init: base, batches: base + 1, order: base + 2 };
}

/** Where an experiment finds its data. */
export interface DataOptions {
  /** Official files, tried first. */
  dataDir?: string;
  /** Seeds data subsets and noise. */
  seed: number;
}

/** An experiment: `P` its profile type, `C` what `prepare` loads once per process. */
export interface Experiment<P extends ProfileBase = ProfileBase, C = unknown> {
  name:
    | "mnist-classification"
    | "cifar10-classification"
    | "mnist-segmentation"
    | "unet-horizon"
    | "variants";
  /** The paper's section and figure. */
  title: string;
  profiles: Profiles<P>;
  grid(profile: P): GridRun[];
  /**
   * The cells `deno task reproduce --profile default` runs when no --cells
   * is given (a sample of a long default profile); `deno task experiment`
   * runs them all. Absent: every run.
   */
  reproduceCells?: Record<string, string[]>;
  /** Null when the experiment can run, else why not and how to fix it (missing data). */
  unavailable(options: DataOptions): Promise<string | null>;
  /** Loads what the runs share (data); called once per process or worker. */
  prepare(profile: P, options: DataOptions): Promise<C>;
  /**
   * Trains one run of the grid, seeded from `seed`: per run (MNIST
   * classification) or per pair of original and stabilized runs, which then
   * start alike (segmentation, CIFAR-10); resumed from and saved through
   * `checkpoints` when the runner gives them.
   */
  train(
    context: C,
    run: GridRun,
    seed: number,
    checkpoints?: TrainingCheckpoints,
  ): Promise<RunOutcome>;
  /** Draws the experiment's figures from its records into `dir`; returns their paths. */
  figures(records: RunRecord[], dir: string): Promise<string[]>;
  /** Its sections of REPORT.md (claim, rule, verdict) from what `out` holds. */
  report(out: string, step?: StepRecord): Promise<Section | Section[]>;
  /** Images in the whole training set: a run with trainSamples null trains on all. */
  datasetSize: number;
  /** The paper's published run of a config, if it has one (the plan's expectation). */
  publishedRun(published: PublishedResults, config: RunRecord["config"]): PublishedRun | undefined;
  /** A config's model and batch, for the plan's calibration. */
  stepModel(config: RunRecord["config"]): StepModel;
  /**
   * Trains `runs` as one program (lib/train/train_stacked.ts), for a GPU:
   * they share images, order and noise. Absent where the experiment cannot
   * stack its runs; `stackKey` says which runs may share a program.
   */
  stack?(
    context: C,
    runs: GridRun[],
    seed: number,
    checkpoints?: TrainingCheckpoints,
  ): Promise<RunOutcome[]>;
  /** Runs with the same key may be stacked; null: this run trains alone. */
  stackKey?(config: RunRecord["config"]): string | null;
  /** Lines `--plan` prints after its table (what the experiment's own data says of its cost). */
  planNotes?(): Promise<string[]>;
}

/** The runs of shard i of n (1-based), round-robin so shards take similar time. */
export function shardOf<T extends { index: number }>(runs: T[], shard: number, of: number): T[] {
  if (!(Number.isInteger(of) && of >= 1 && Number.isInteger(shard) && shard >= 1 && shard <= of)) {
    throw new RangeError(`--shard must be i/n with 1 <= i <= n: received ${shard}/${of}`);
  }
  return runs.filter((r) => r.index % of === shard - 1);
}
