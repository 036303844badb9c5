// The runner every experiment shares: the profile's grid, minus what
// <out>/<experiment>/runs.jsonl already holds (so a rerun resumes), minus
// other shards' runs, trained in this process or spread over Web Workers
// (each with its own tfjs and its own core), one record appended per run.
import type { RunOutcome } from "../lib/results/run_records.ts";
import { provenance } from "../lib/results/provenance.ts";
import { appendRecord, readRecords, type RunRecord } from "../lib/results/run_records.ts";
import { TrainingInterrupted } from "../lib/train/train_binary.ts";
import {
  type Checkpointing,
  type Resumed,
  runCheckpoints,
  stackCheckpoints,
} from "./_checkpoints.ts";
import {
  type Experiment,
  type GridRun,
  type ProfileBase,
  selectRuns,
  shardOf,
} from "./_experiment.ts";
import type { Settings } from "./_settings.ts";

/** What the runner tells its caller while it runs. */
export interface RunnerHooks {
  /** Called after each run with (done, total, record). */
  progress?: (done: number, total: number, record: RunRecord) => void;
  /** Called when a run resumes from its checkpoint, with where and the commit that wrote it. */
  resumed?: (runId: string, from: Resumed) => void;
}

/** The shard's runs and which of them are still to train: computed once per invocation. */
export interface PendingRuns {
  /** <out>/<experiment>/runs.jsonl */
  path: string;
  /** The shard's runs, in grid order (stacked ones with `stacked: true` in their configs). */
  runs: GridRun[];
  /** Those runs.jsonl does not hold yet. */
  todo: GridRun[];
}

/**
 * The runs an invocation will train: its shard of the selected grid, minus
 * what runs.jsonl already holds. Throws a RangeError when the file holds a
 * run under the same id with another config (another profile or cap would
 * mix two protocols in one file).
 */
export async function pendingRuns<P extends ProfileBase>(
  experiment: Experiment<P>,
  settings: Settings,
): Promise<PendingRuns> {
  const path = `${settings.out}/${experiment.name}/runs.jsonl`;
  const stackable = settings.stacked && experiment.stack !== undefined;
  const grid = experiment.grid(experiment.profiles[settings.profile]);
  const runs = shardOf(selectRuns(grid, settings.selection), ...settings.shard).map((run) =>
    stackable && experiment.stackKey?.(run.config) != null
      ? { ...run, config: { ...run.config, stacked: true } }
      : run
  );
  const recorded = new Map((await readRecords(path)).map((r) => [r.runId, r]));
  for (const run of runs) {
    const seen = recorded.get(run.runId);
    if (seen && JSON.stringify(seen.config) !== JSON.stringify(run.config)) {
      throw new RangeError(
        `${path} holds ${run.runId} with another config (${
          JSON.stringify(seen.config)
        }); use another --out, or remove that file to start over`,
      );
    }
  }
  return { path, runs, todo: runs.filter((r) => !recorded.has(r.runId)) };
}

/** Set when this process was asked to stop (SIGTERM, SIGINT); shared with the workers. */
const STOP = new Int32Array(new SharedArrayBuffer(4));

/** A finished run: what a worker or this process reports, with when it ran. */
export interface FinishedRun {
  run: GridRun;
  result: RunOutcome;
  startedAt: string;
  finishedAt: string;
  /** Where it resumed from a checkpoint, when it did. */
  resumed?: Resumed;
}

/** Messages to a worker (experiments/_worker.ts). */
export type ToWorker =
  | {
    type: "init";
    experiment: Experiment["name"];
    /** The profile itself: a test's own profile need not be registered. */
    profile: ProfileBase;
    settings: Settings;
    checkpointing: Checkpointing | null;
  }
  | { type: "run"; run: GridRun };

/** Messages from a worker. */
export type FromWorker =
  | { type: "ready" }
  | { type: "interrupted"; runId: string }
  | { type: "resumed"; runId: string; from: Resumed }
  | ({ type: "done" } & FinishedRun)
  | { type: "error"; message: string; stack?: string };

/**
 * Trains one run here and times it, resuming from its checkpoint and saving
 * them when `checkpointing` is given; the checkpoint goes once the run ends.
 * Throws TrainingInterrupted when the process was asked to stop.
 */
export async function trainOne<P extends ProfileBase, C>(
  experiment: Experiment<P, C>,
  context: C,
  run: GridRun,
  seed: number,
  checkpointing: Checkpointing | null = null,
  resumed?: (runId: string, from: Resumed) => void,
): Promise<FinishedRun> {
  const startedAt = new Date().toISOString();
  if (checkpointing === null) {
    const result = await experiment.train(context, run, seed);
    return { run, result, startedAt, finishedAt: new Date().toISOString() };
  }
  const { checkpoints, path, resumed: from } = await runCheckpoints(checkpointing, run, seed);
  if (from) resumed?.(run.runId, from);
  const result = await experiment.train(context, run, seed, checkpoints);
  await Deno.remove(path).catch(() => {});
  return {
    run,
    result,
    startedAt,
    finishedAt: new Date().toISOString(),
    ...(from ? { resumed: from } : {}),
  };
}

/** Runs `todo` on `count` workers, each taking the next run when it is free. */
async function inWorkers<P extends ProfileBase>(
  experiment: Experiment<P>,
  settings: Settings,
  hooks: RunnerHooks,
  todo: GridRun[],
  checkpointing: Checkpointing | null,
  onOutcome: (outcome: FinishedRun) => Promise<void>,
): Promise<void> {
  const queue = [...todo];
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: Math.min(settings.workers, todo.length) },
        () =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, {
              type: "module",
            });
            workers.push(worker);
            const next = () => {
              const run = Atomics.load(STOP, 0) === 1 ? undefined : queue.shift();
              if (run === undefined) return resolve();
              worker.postMessage({ type: "run", run } satisfies ToWorker);
            };
            worker.onerror = (e) => {
              e.preventDefault();
              reject(
                new Error(`a worker failed: ${e.message.replace(/^Uncaught (\w*Error: )?/, "")}`),
              );
            };
            worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
              if (data.type === "error") {
                // The worker's own error, its stack kept for --debug.
                return reject(Object.assign(new Error(data.message), { stack: data.stack }));
              }
              if (data.type === "ready") return next();
              if (data.type === "resumed") {
                return hooks.resumed?.(data.runId, data.from);
              }
              // Stopped on request: its checkpoint is saved; it takes no more runs.
              if (data.type === "interrupted") {
                return resolve();
              }
              onOutcome(data).then(next, reject);
            };
            worker.postMessage(
              {
                type: "init",
                experiment: experiment.name,
                profile: experiment.profiles[settings.profile],
                settings,
                checkpointing,
              } satisfies ToWorker,
            );
          }),
      ),
    );
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

/**
 * Trains `todo` in this process: the runs of one stack key as one program
 * each (their records share its start and end), the others one by one.
 */
async function inStacks<P extends ProfileBase, C>(
  experiment: Experiment<P, C>,
  settings: Settings,
  hooks: RunnerHooks,
  todo: GridRun[],
  checkpointing: Checkpointing | null,
  onOutcome: (outcome: FinishedRun) => Promise<void>,
): Promise<void> {
  const context = await experiment.prepare(experiment.profiles[settings.profile], settings);
  const groups = new Map<string, GridRun[]>();
  for (const run of todo) {
    const key = experiment.stackKey!(run.config);
    if (key === null) {
      if (Atomics.load(STOP, 0) === 1) break;
      await onOutcome(
        await trainOne(experiment, context, run, settings.seed, checkpointing, hooks.resumed),
      );
      continue;
    }
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  for (const [key, group] of groups.entries()) {
    if (Atomics.load(STOP, 0) === 1) break;
    const startedAt = new Date().toISOString();
    const saved = checkpointing
      ? await stackCheckpoints(checkpointing, key, group, settings.seed)
      : null;
    if (saved?.resumed) {
      for (const run of group) hooks.resumed?.(run.runId, saved.resumed);
    }
    const results = await experiment.stack!(context, group, settings.seed, saved?.checkpoints);
    const finishedAt = new Date().toISOString();
    for (const [k, run] of group.entries()) {
      await onOutcome({
        run,
        result: results[k],
        startedAt,
        finishedAt,
        ...(saved?.resumed ? { resumed: saved.resumed } : {}),
      });
    }
    if (saved) await Deno.remove(saved.path).catch(() => {});
  }
}

/**
 * Runs the shard's runs that runs.jsonl does not hold yet (`pending`, when
 * the caller has computed them) and returns all of the shard's records, in
 * grid order.
 */
export async function runExperiment<P extends ProfileBase, C>(
  experiment: Experiment<P, C>,
  settings: Settings,
  hooks: RunnerHooks = {},
  pending?: PendingRuns,
): Promise<RunRecord[]> {
  const profile = experiment.profiles[settings.profile];
  const { path, runs, todo } = pending ?? await pendingRuns(experiment, settings);
  const stackable = settings.stacked && experiment.stack !== undefined;
  const base = await provenance();
  let finished = runs.length - todo.length;
  // Appends one at a time, in the order runs finish.
  let writes = Promise.resolve();
  const record = ({ run, result, startedAt, finishedAt, resumed }: FinishedRun): Promise<void> => {
    const entry: RunRecord = {
      experiment: experiment.name,
      runId: run.runId,
      index: run.index,
      profile: profile.name,
      config: run.config,
      ...result,
      provenance: {
        ...base,
        backend: settings.backend.name,
        adapter: settings.backend.adapter,
        ...(settings.backend.adapterInfo ? { adapterInfo: settings.backend.adapterInfo } : {}),
        profile: profile.name,
        seed: settings.seed,
        startedAt,
        finishedAt,
        wallSeconds: (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000,
        ...(resumed ? { resumed } : {}),
      },
    };
    writes = writes.then(() => appendRecord(path, entry)).then(() =>
      hooks.progress?.(++finished, runs.length, entry)
    );
    return writes;
  };
  const checkpointing: Checkpointing | null = settings.checkpointEvery > 0
    ? {
      dir: `${settings.out}/${experiment.name}/checkpoints`,
      everyEpochs: settings.checkpointEvery,
      stop: STOP,
      gitCommit: base.gitCommit,
      gitDirty: base.gitDirty,
    }
    : null;
  // Asked to stop, a run saves its checkpoint at the next step and the
  // invocation ends; the same command resumes it.
  const signals = ["SIGTERM", "SIGINT"] as const;
  // A stop belongs to the invocation it ended, not to a later one in this process.
  Atomics.store(STOP, 0, 0);
  const onSignal = () => Atomics.store(STOP, 0, 1);
  if (checkpointing) { for (const s of signals) Deno.addSignalListener(s, onSignal); }
  try {
    if (todo.length > 0 && stackable) {
      await inStacks(experiment, settings, hooks, todo, checkpointing, record);
    } else if (todo.length > 0 && settings.workers > 1) {
      await inWorkers(experiment, settings, hooks, todo, checkpointing, record);
    } else if (todo.length > 0) {
      const context = await experiment.prepare(profile, settings);
      for (const run of todo) {
        if (Atomics.load(STOP, 0) === 1) break;
        await record(
          await trainOne(experiment, context, run, settings.seed, checkpointing, hooks.resumed),
        );
      }
    }
  } catch (e) {
    if (!(e instanceof TrainingInterrupted)) throw e;
  } finally {
    if (checkpointing) { for (const s of signals) Deno.removeSignalListener(s, onSignal); }
  }
  await writes;
  if (Atomics.load(STOP, 0) === 1) {
    throw new TrainingInterrupted(
      0,
      0,
      `stopped on request: the runs in progress saved their checkpoints in ${
        checkpointing!.dir
      }; run the same command to resume them`,
    );
  }
  await writes;
  const ids = new Set(runs.map((r) => r.runId));
  return (await readRecords(path)).filter((r) => ids.has(r.runId)).sort((a, b) =>
    a.index - b.index
  );
}
