// Where a wasm kernel hands a large call to helper threads, when a pool was
// started. Runtime-neutral (no `node:` import), so that the losses load in a
// browser: the pool itself (`kernel_threads.ts`, `node:worker_threads`) is a
// separate export, `@focal/stability/threads`, that registers itself here.
//
// A call covers `units` independent units (elements for the sigmoid and
// Quality kernels, rows for the softmax kernel, images for the Unified
// kernels and a 3×3 convolution's forward pass, rows of the filter for its
// filter gradient); each part computes a run of whole units with the same
// code as one thread would, so outputs are the same bit for bit.

/** The losses whose wasm kernels split across the kernel threads, each with its own threshold. */
export type SplitLoss = "sigmoid" | "quality" | "softmax" | "unified";

/** What a split call belongs to: a loss, or the U-Net's 3×3 convolutions (lib/kernels/gradients/). */
export type SplitKind = SplitLoss | "conv3x3";

/**
 * Below this many float32 elements of input a call runs on the calling
 * thread alone, per loss. Measured on 2 cores with `deno task bench:threads
 * --spin 0` (results/bench-full/threads_spin0.json, 3 rounds, and
 * threads_large.json, 5 rounds, at 36698a1: helpers that sleep between
 * calls, as they do between the loss calls of a training step): the size
 * from which two threads' median forward+backward speed-up over one is
 * ≥ 1.1× at every larger size measured. At 2^15 sigmoid 1.02× / 1.02×,
 * softmax 1.23× / 1.21×, Quality 1.22× / 1.16×, Unified 1.03× / 0.99×; at
 * 2^16 sigmoid 1.19× / 1.18×, Unified 1.24× / 1.24×. Below these sizes,
 * waking a helper, the copies to and from the shared memory and the
 * hand-off cost what the second core saves. Calls back to back, whose
 * helpers are still polling (the default `spinMicroseconds`), pay from
 * 2^12 (threads.json), so the thresholds err on the slow side.
 */
export const KERNEL_THREADS_MIN_ELEMENTS: Readonly<Record<SplitLoss, number>> = {
  sigmoid: 2 ** 16,
  quality: 2 ** 15,
  softmax: 2 ** 15,
  unified: 2 ** 16,
};

/**
 * The functions a helper runs, by number (slot 0 of its arguments): which of
 * the kernel modules exports it, and the arguments of its warm-up calls
 * ("S": the warm-up scratch's address), which must stay inside 4096 floats.
 */
export const KERNEL_FUNCTIONS = [
  {
    module: "sigmoid",
    name: "sigmoidFocalExact",
    warmUp: ["S", "S", "S", "S", 4096, 0.25, 0.75, 0.5, 1, 0],
  },
  {
    module: "sigmoid",
    name: "sigmoidFocalOriginal",
    warmUp: ["S", "S", "S", "S", 4096, 0.25, 0.75, 0.5, 0, 1e-30, 1, 0],
  },
  { module: "softmax", name: "softmaxFocalExact", warmUp: ["S", "S", "S", "S", "S", 256, 10, 0.5] },
  {
    module: "softmax",
    name: "softmaxFocalOriginal",
    warmUp: ["S", "S", "S", "S", 400, 10, 0.5, 0, 1e-30],
  },
  {
    module: "softmax",
    name: "softmaxFocalExactLabels",
    warmUp: ["S", "S", "S", "S", "S", 256, 10, 0.5, 1, -1],
  },
  {
    module: "softmax",
    name: "softmaxFocalOriginalLabels",
    warmUp: ["S", "S", "S", "S", 400, 10, 0.5, 0, 1e-30, 1, -1],
  },
  {
    module: "unified",
    name: "unifiedFocalSums",
    warmUp: ["S", "S", "S", 4, 1000, 1, 0.6, 0.5, 0],
  },
  {
    module: "unified",
    name: "unifiedFocalGrad",
    warmUp: ["S", "S", "S", "S", 4, 1000, 1, 0.6, 0.5, 0, 1e-30],
  },
  {
    module: "conv3x3",
    name: "conv3x3Forward",
    warmUp: ["S", "S", "S", "S", 1, 4, 4, 4, 8],
  },
  {
    module: "conv3x3",
    name: "conv3x3FilterGrad",
    warmUp: ["S", "S", "S", "S", 1, 4, 4, 4, 8, 0, 36],
  },
] as const;

/**
 * Below this many multiply-adds a 3×3 convolution (forward, input or
 * filter gradient) runs on the calling thread alone: about 0.1 ms of one
 * core at the 8–12 GMAC/s its kernels sustain here (docs/kernels.md), a few
 * times what handing a part to a polling helper and copying its operands
 * cost.
 */
export const CONV3X3_THREADS_MIN_MULTIPLY_ADDS = 2 ** 20;

/** A kernel function's name. */
export type KernelFunction = (typeof KERNEL_FUNCTIONS)[number]["name"];

/** One array of a split call: `width` float32 values per unit, at byte offset `ptr`. */
export interface SplitArray {
  /** Byte offset in the backend's memory; 0 for an output not wanted. */
  ptr: number;
  width: number;
  /**
   * An input every part reads whole (a filter; the images when the parts
   * split the filter's rows): `width` floats in all, copied to each helper.
   * @default {false}
   */
  whole?: boolean;
}

/** A kernel call to split by units. */
export interface SplitCall {
  /** Whose threshold applies. */
  loss: SplitKind;
  /** The backend's memory, which holds the tensors. */
  memory: WebAssembly.Memory;
  kernel: KernelFunction;
  /** Independent units the call covers (elements, rows or images). */
  units: number;
  /** Parts start at multiples of this many units. */
  align: number;
  inputs: SplitArray[];
  outputs: SplitArray[];
  /** Float32 values of scratch each part needs (not copied in or out). @default {0} */
  scratch?: number;
  /**
   * The call's size against its threshold: by default units × the widest
   * per-unit input (elements); a convolution's multiply-adds.
   */
  size?: number;
  /**
   * The arguments after the arrays' (and the scratch's) addresses, for a
   * part of `count` units from unit `start`.
   */
  args(count: number, start: number): number[];
  /** The same function on the calling thread, over units [0, count). */
  local(count: number): number;
}

/** Runs a call split across threads; null when it should run unsplit. */
export type SplitRunner = (call: SplitCall) => number | null;

let runner: SplitRunner | null = null;
let runnerThreads = 1;

/** Installs (or, with null, removes) the pool that splits large calls, of `threads` threads. */
export function setSplitRunner(next: SplitRunner | null, threads = 1): void {
  runner = next;
  runnerThreads = next === null ? 1 : threads;
}

/** How many threads a large call is split across now: 1 without a pool. */
export function splitThreadCount(): number {
  return runnerThreads;
}

/**
 * Runs `call` split across the registered pool and returns the sum of the
 * parts' results (the sigmoid kernels return Σ loss), or null when it should
 * run unsplit: no pool, or the pool declines it.
 */
export function runSplit(call: SplitCall): number | null {
  return runner === null ? null : runner(call);
}

/** Runs `call` split when a pool takes it, else on this thread over every unit. */
export function runMaybeSplit(call: SplitCall): number {
  return runSplit(call) ?? call.local(call.units);
}
