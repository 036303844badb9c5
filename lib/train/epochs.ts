// The epoch machinery both trainers share (lib/train/train_binary.ts, one run
// a program; lib/train/train_stacked.ts, K runs in one): each epoch's sample
// order, the checkpoint schedule, and what happens when a stop is requested,
// written once so that a run and a stack of runs resume alike.
import { mulberry32 } from "../data/random.ts";
import type { TrainingCheckpoints } from "./train_binary.ts";

/** Thrown when a checkpoint's stopRequested said stop: the state was saved. */
export class TrainingInterrupted extends Error {
  override name = "TrainingInterrupted";
  constructor(readonly epoch: number, readonly step: number, message?: string) {
    super(
      message ?? `training stopped in epoch ${epoch} after step ${step}; its checkpoint is saved`,
    );
  }
}

/** A seeded Fisher–Yates shuffle of 0 … count − 1. */
export function shuffled(count: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The sample order of epoch `epoch` (1-based) of a run seeded `seed`: needs no state to resume. */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  return shuffled(count, seed * 1000003 + epoch);
}

/** The checkpoint interval in epochs, checked. */
export function checkpointInterval(checkpoints: TrainingCheckpoints | undefined): number {
  const every = checkpoints?.everyEpochs ?? 1;
  if (!(Number.isInteger(every) && every >= 1)) {
    throw new RangeError(`everyEpochs must be a positive integer: received ${every}`);
  }
  return every;
}

/**
 * After a step: when a stop was requested and the epoch has steps left,
 * saves the state after `step` steps of `epoch` and throws TrainingInterrupted.
 */
export async function stopAfterStep(
  checkpoints: TrainingCheckpoints | undefined,
  epoch: number,
  step: number,
  epochHasMore: boolean,
  save: (epoch: number, step: number) => Promise<void>,
): Promise<void> {
  if (checkpoints?.stopRequested?.() && epochHasMore) {
    await save(epoch, step);
    throw new TrainingInterrupted(epoch, step);
  }
}

/**
 * After epoch `epoch` of `epochs` completed: saves the start of the next one
 * every `every` epochs (never after the last) or when a stop was requested,
 * and then, if it was, throws TrainingInterrupted.
 */
export async function afterEpoch(
  checkpoints: TrainingCheckpoints | undefined,
  epoch: number,
  epochs: number,
  every: number,
  save: (epoch: number, step: number) => Promise<void>,
): Promise<void> {
  if (checkpoints && epoch < epochs && (epoch % every === 0 || checkpoints.stopRequested?.())) {
    await save(epoch + 1, 0);
    if (checkpoints.stopRequested?.()) throw new TrainingInterrupted(epoch + 1, 0);
  }
}
