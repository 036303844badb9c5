// Where a wasm kernel hands a large elementwise call to helper threads, when a
// pool was started. Runtime-neutral (no `node:` import), so that the losses
// load in a browser: the pool itself (`kernel_threads.ts`, `node:worker_threads`)
// is a separate export, `@focal/stability/threads`, that registers itself here.

/** Below this many elements a call runs on the calling thread alone. */
export const KERNEL_THREADS_MIN_ELEMENTS = 2 ** 17;

/** The functions a helper runs, by number (slot 0 of its arguments). */
export const KERNEL_FUNCTIONS = ["sigmoidFocalExact", "sigmoidFocalOriginal"] as const;

/** An elementwise kernel call to split: pointers are byte offsets. */
export interface SplitCall {
  /** The backend's memory, which holds the tensors. */
  memory: WebAssembly.Memory;
  /** Inputs of n float32 elements each. */
  inputs: number[];
  /** Outputs of n float32 elements each; 0 for an output not wanted. */
  outputs: number[];
  n: number;
  /** Which of KERNEL_FUNCTIONS; its arguments are (…inputs, …outputs, n, …scalars). */
  kernel: number;
  scalars: number[];
  /** The same function on the calling thread, over elements [0, count). */
  local(inputs: number[], outputs: number[], count: number): number;
}

/** Runs a call split across threads; null when it should run unsplit. */
export type SplitRunner = (call: SplitCall) => number | null;

let runner: SplitRunner | null = null;

/** Installs (or, with null, removes) the pool that splits large calls. */
export function setSplitRunner(next: SplitRunner | null): void {
  runner = next;
}

/**
 * Runs `call` split across the registered pool and returns the sum of the
 * parts' results (the kernels return Σ loss), or null when it should run
 * unsplit: no pool, or the pool declines it.
 */
export function runSplit(call: SplitCall): number | null {
  return runner === null ? null : runner(call);
}
