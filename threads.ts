/**
 * Helper threads for the wasm focal kernels, in Deno and Node.js.
 *
 * The tfjs wasm backend runs on one thread. After `startKernelThreads()`, a
 * sigmoid, softmax, Quality or Unified focal loss on wasm over at least its
 * `KERNEL_THREADS_MIN_ELEMENTS` (2^15 or 2^16) elements is split across
 * `node:worker_threads` helpers sharing one memory; gradients are bitwise
 * those of one thread. A helper that finished its part polls for the next
 * request for `spinMicroseconds` (200 by default) before it sleeps, so that
 * calls in quick succession do not each wait for a thread to wake. A
 * separate entry point from `@focal/stability` because browsers have no
 * `node:worker_threads` (and their main thread may not block on
 * `Atomics.wait`): the losses themselves load anywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelThreadCount, startKernelThreads, stopKernelThreads } from "@focal/stability/threads";
 *
 * const threads = await startKernelThreads(2);
 * assert.equal(threads, 2);
 * assert.equal(kernelThreadCount(), 2);
 * stopKernelThreads();
 * assert.equal(kernelThreadCount(), 1);
 * ```
 *
 * @module
 */
export {
  DEFAULT_SPIN_MICROSECONDS,
  KERNEL_THREADS_MIN_ELEMENTS,
  kernelThreadCount,
  type KernelThreadOptions,
  type SplitLoss,
  startKernelThreads,
  stopKernelThreads,
} from "./lib/kernels/focal/kernel_threads.ts";
