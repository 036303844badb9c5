/**
 * Helper threads for the wasm sigmoid focal kernel, in Deno and Node.js.
 *
 * The tfjs wasm backend runs on one thread. After `startKernelThreads()`, a
 * `sigmoidFocalLoss` call on wasm over at least `KERNEL_THREADS_MIN_ELEMENTS`
 * (2^17) elements is split across `node:worker_threads` helpers sharing one
 * memory; the results are the same as on one thread. A separate entry point
 * from `@focal/stability` because browsers have no `node:worker_threads` (and
 * their main thread may not block on `Atomics.wait`): the losses themselves
 * load anywhere.
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
  KERNEL_THREADS_MIN_ELEMENTS,
  kernelThreadCount,
  startKernelThreads,
  stopKernelThreads,
} from "./lib/kernels/focal/kernel_threads.ts";
