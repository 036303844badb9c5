/**
 * Helper threads for the wasm focal kernels and the U-Net's 3×3
 * convolutions, in Deno and Node.js.
 *
 * The tfjs wasm backend runs on one thread. After `startKernelThreads()`, a
 * sigmoid, softmax, Quality or Unified focal loss on wasm over at least its
 * `KERNEL_THREADS_MIN_ELEMENTS` (2^15 or 2^16) elements, and a 3×3 "same"
 * convolution that our kernels take (forward or either gradient) of at
 * least `CONV3X3_THREADS_MIN_MULTIPLY_ADDS` (2^20) multiply-adds, is split
 * across `node:worker_threads` helpers sharing one memory; outputs and
 * gradients are bitwise those of one thread. A helper that finished its part polls for the next
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
  CONV3X3_THREADS_MIN_MULTIPLY_ADDS,
  DEFAULT_SPIN_MICROSECONDS,
  KERNEL_THREADS_MIN_ELEMENTS,
  kernelThreadCount,
  type KernelThreadOptions,
  type SplitLoss,
  startKernelThreads,
  stopKernelThreads,
} from "./lib/kernels/threads/kernel_threads.ts";
