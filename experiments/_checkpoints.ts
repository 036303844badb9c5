// Where the runner keeps each run's checkpoint, and how a run resumes from
// it: <out>/<experiment>/checkpoints/<run id>.ckpt, written after every epoch
// (--checkpoint-every N: every N) and when the process is asked to stop
// (SIGTERM, SIGINT), removed once the run's record is written. `merge` reads
// runs.jsonl only, so checkpoints never enter a result; they travel with
// the folder between jobs that share storage.
import { readCheckpoint, writeCheckpoint } from "../lib/train/checkpoint.ts";
import type { TrainingCheckpoints } from "../lib/train/train_binary.ts";
import type { GridRun } from "./_experiment.ts";

/** How the runner checkpoints: where, how often, and the flag that asks every worker to stop. */
export interface Checkpointing {
  /** <out>/<experiment>/checkpoints */
  dir: string;
  /** The commit this invocation runs (recorded in each checkpoint it writes). */
  gitCommit: string;
  gitDirty: boolean;
  everyEpochs: number;
  /** Slot 0 becomes 1 when the process is asked to stop; shared with the workers. */
  stop: Int32Array;
}

/**
 * Where a run resumed: the epoch and step its checkpoint held and the commit
 * that wrote it (a record's provenance.resumed).
 */
export interface Resumed {
  epoch: number;
  step: number;
  gitCommit: string;
  gitDirty: boolean;
}

/** The file of a run's checkpoint. */
export function checkpointPath(dir: string, runId: string): string {
  return `${dir}/${encodeURIComponent(runId)}.ckpt`;
}

/** What a checkpoint must have been written under to resume a run: its id, config and seed. */
export function checkpointKey(run: GridRun, seed: number): string {
  return JSON.stringify({ runId: run.runId, config: run.config, seed });
}

/**
 * The checkpoints of one run: resumed from its file when there is one
 * (refused, in one line, when written for another config), saved to it.
 */
export function runCheckpoints(
  c: Checkpointing,
  run: GridRun,
  seed: number,
): Promise<{ checkpoints: TrainingCheckpoints; path: string; resumed: Resumed | null }> {
  return checkpointsAt(c, checkpointPath(c.dir, run.runId), checkpointKey(run, seed));
}

/**
 * The checkpoints of a stack of runs trained as one program (--stacked):
 * one file per stack key, valid only for the same runs, configs and seed.
 */
export function stackCheckpoints(
  c: Checkpointing,
  stackKey: string,
  runs: GridRun[],
  seed: number,
): Promise<{ checkpoints: TrainingCheckpoints; path: string; resumed: Resumed | null }> {
  return checkpointsAt(
    c,
    checkpointPath(c.dir, `stack/${stackKey}`),
    JSON.stringify({ stack: runs.map((r) => ({ runId: r.runId, config: r.config })), seed }),
  );
}

async function checkpointsAt(
  c: Checkpointing,
  path: string,
  key: string,
): Promise<{ checkpoints: TrainingCheckpoints; path: string; resumed: Resumed | null }> {
  const resume = await readCheckpoint(path, key);
  return {
    path,
    resumed: resume
      ? {
        epoch: resume.epoch,
        step: resume.step,
        gitCommit: String(resume.meta?.gitCommit ?? "unknown"),
        gitDirty: resume.meta?.gitDirty === true,
      }
      : null,
    checkpoints: {
      resume,
      save: (state) =>
        writeCheckpoint(path, key, {
          ...state,
          meta: { ...state.meta, gitCommit: c.gitCommit, gitDirty: c.gitDirty },
        }),
      everyEpochs: c.everyEpochs,
      stopRequested: () => Atomics.load(c.stop, 0) === 1,
    },
  };
}
