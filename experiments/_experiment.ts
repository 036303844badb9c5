// What every experiment of the paper provides to the shared runner
// (experiments/_runner.ts): its profiles as data, its grid of runs, how to
// load its data once per process, how to train one run, and its figures.
import type { TrainBinaryResult } from "../lib/train/train_binary.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

/** The profiles every experiment has: as published, one small machine, CI. */
export type ProfileName = "paper" | "default" | "smoke";

/** The profile names, in the order help texts list them. */
export const PROFILE_NAMES: readonly ProfileName[] = ["paper", "default", "smoke"];

/** What all profiles share. */
export interface ProfileBase {
  name: ProfileName;
  description: string;
}

/** One run of a grid: an id, its position, and the configuration it records. */
export interface GridRun {
  runId: string;
  /** Position in the profile's grid: a merge of shards sorts by it. */
  index: number;
  config: RunRecord["config"];
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
  name: "mnist-classification" | "cifar10-classification" | "mnist-segmentation";
  /** The paper's section and figure. */
  title: string;
  profiles: Record<ProfileName, P>;
  grid(profile: P): GridRun[];
  /** Null when the experiment can run, else why not and how to fix it (missing data). */
  unavailable(options: DataOptions): Promise<string | null>;
  /** Loads what the runs share (data); called once per process or worker. */
  prepare(profile: P, options: DataOptions): Promise<C>;
  /**
   * Trains one run of the grid, seeded from `seed`: per run (MNIST
   * classification) or per pair of original and stabilized runs, which then
   * start alike (segmentation, CIFAR-10).
   */
  train(context: C, run: GridRun, seed: number): Promise<TrainBinaryResult>;
  /** Draws the experiment's figures from its records into `dir`; returns their paths. */
  figures(records: RunRecord[], dir: string): Promise<string[]>;
}

/** The runs of shard i of n (1-based), round-robin so shards take similar time. */
export function shardOf<T extends { index: number }>(runs: T[], shard: number, of: number): T[] {
  if (!(Number.isInteger(of) && of >= 1 && Number.isInteger(shard) && shard >= 1 && shard <= of)) {
    throw new RangeError(`--shard must be i/n with 1 <= i <= n: received ${shard}/${of}`);
  }
  return runs.filter((r) => r.index % of === shard - 1);
}
