// Helper threads for the wasm focal kernels (sigmoid, Quality, softmax and
// Unified) and the U-Net's 3×3 convolutions (lib/kernels/gradients/). The
// tfjs wasm backend is single-threaded (its threaded build does not load
// under Deno), so a loss over 2^20 elements or a convolution uses one core
// while PyTorch uses all of them. With `startKernelThreads()`, a large kernel
// call is split into parts of whole units (elements, rows, images, or rows of
// a convolution's filter): the calling thread computes the first in place in
// the backend's memory, and each helper (a `node:worker_threads` worker
// running the same SIMD modules, built for a shared memory) computes one of
// the others on a copy of its inputs (its units, and whole what every part
// reads, such as a filter) in a shared memory, whose outputs are copied back. The calling thread waits
// until the helpers are done (tfjs kernels are synchronous), polling, then
// blocked on `Atomics.wait`. A helper that finished a part polls for the next
// request for a moment (`spinMicroseconds`) before it sleeps on
// `Atomics.wait`: waking a sleeping thread cost most of what the second core
// saved at 2^16 elements (docs/kernels.md, "Measured reasons").
// OpenMP's threads, which PyTorch's peers use, spin before they sleep too.
//
// Off until started; the helpers never keep a process alive (`unref`). Deno
// and Node only (a browser's main thread may not block on `Atomics.wait`):
// exported as `@focal/stability/threads`, never from `mod.ts`, and plugged
// into the kernels through `kernel_split.ts`.
import { Worker } from "node:worker_threads";
import { SIGMOID_FOCAL_SHARED_WASM_BASE64 } from "../generated/sigmoid_focal_shared_wasm.ts";
import { SOFTMAX_FOCAL_SHARED_WASM_BASE64 } from "../generated/softmax_focal_shared_wasm.ts";
import { UNIFIED_FOCAL_SHARED_WASM_BASE64 } from "../generated/unified_focal_shared_wasm.ts";
import { CONV3X3_SHARED_WASM_BASE64 } from "../generated/conv3x3_shared_wasm.ts";
import { moduleCompiles } from "../runtime/wasm_kernel.ts";
import {
  CONV3X3_THREADS_MIN_MULTIPLY_ADDS,
  KERNEL_FUNCTIONS,
  KERNEL_THREADS_MIN_ELEMENTS,
  setSplitRunner,
  type SplitCall,
  type SplitKind,
  type SplitLoss,
} from "./kernel_split.ts";

export { CONV3X3_THREADS_MIN_MULTIPLY_ADDS, KERNEL_THREADS_MIN_ELEMENTS, type SplitLoss };

/** The modules a helper instantiates on the shared memory, by KERNEL_FUNCTIONS' `module`. */
const SHARED_MODULES = {
  sigmoid: SIGMOID_FOCAL_SHARED_WASM_BASE64,
  softmax: SOFTMAX_FOCAL_SHARED_WASM_BASE64,
  unified: UNIFIED_FOCAL_SHARED_WASM_BASE64,
  conv3x3: CONV3X3_SHARED_WASM_BASE64,
};

/** The shared memory's limit in 64 KiB pages: 1 GiB, as the modules are built. */
const MAXIMUM_PAGES = 16384;
/** Bytes of control data per helper at the start of the shared memory. */
const CONTROL_BYTES = 256;
/** Warm-up calls of each function, within this many floats (see HELPER_SOURCE). */
const WARMUP_CALLS = 200;
const WARMUP_ELEMENTS = 4096;
/** A helper that has not answered in this long is taken to be broken. */
const TIMEOUT_MS = 60_000;
/** How long a helper polls for the next request after a part, by default. */
export const DEFAULT_SPIN_MICROSECONDS = 200;
/** How long the calling thread polls for a helper's part before it sleeps. */
const CALLER_SPIN_MS = 5;

// Control block of helper h, at h·CONTROL_BYTES, as Int32 slots:
const REQUEST = 0; // sequence number of the last request
const DONE = 1; // sequence number of the last request finished
const FAILED = 2; // 1 when that request threw
// and as Float64 slots from byte 64: the function and its arguments, and the
// returned value at slot RESULT.
const ARGS_AT = 64;
const RESULT = 15;

// CommonJS, run by `new Worker(code, { eval: true })`: waits for requests on its
// control block, runs the function and signals completion.
const HELPER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const FUNCTIONS = ${JSON.stringify(KERNEL_FUNCTIONS)};
parentPort.once("message", ({ modules, memory, control, scratch, spinMs }) => {
  const exports = {};
  for (const [name, bytes] of Object.entries(modules)) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    instance.exports.initConstants();
    exports[name] = instance.exports;
  }
  const calls = FUNCTIONS.map((f) => exports[f.module][f.name]);
  // V8 runs new wasm code in its baseline tier and optimizes it once it is
  // hot: run each function until then on a scratch of zeros, so the first
  // real requests do not run in the slower tier.
  for (let i = 0; i < ${WARMUP_CALLS}; i++) {
    FUNCTIONS.forEach((f, k) => calls[k](...f.warmUp.map((a) => (a === "S" ? scratch : a))));
  }
  const slots = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  const args = new Float64Array(memory.buffer, control + ${ARGS_AT}, 16);
  let seen = 0;
  for (;;) {
    // Poll for a while (a request that comes soon is taken at once), then sleep.
    const until = performance.now() + spinMs;
    while (Atomics.load(slots, ${REQUEST}) === seen && performance.now() < until);
    Atomics.wait(slots, ${REQUEST}, seen);
    seen = Atomics.load(slots, ${REQUEST});
    if (seen < 0) return;
    try {
      const result = calls[args[0]](...Array.from(args.subarray(2, 2 + args[1])));
      args[${RESULT}] = result === undefined ? 0 : result;
      slots[${FAILED}] = 0;
    } catch (e) {
      slots[${FAILED}] = 1;
    }
    Atomics.store(slots, ${DONE}, seen);
    Atomics.notify(slots, ${DONE});
  }
});
`;

interface Pool {
  memory: WebAssembly.Memory;
  workers: Worker[];
  sequence: number;
}

let pool: Pool | null = null;
let splitCalls = 0;
/** The thresholds by default: the losses' elements, the convolutions' multiply-adds. */
const THRESHOLDS: Readonly<Record<SplitKind, number>> = {
  ...KERNEL_THREADS_MIN_ELEMENTS,
  conv3x3: CONV3X3_THREADS_MIN_MULTIPLY_ADDS,
};
/** Thresholds in force: THRESHOLDS, unless a bench overrides them. */
let thresholds: Readonly<Record<SplitKind, number>> = THRESHOLDS;

/**
 * Replaces the thresholds (null: back to KERNEL_THREADS_MIN_ELEMENTS and
 * CONV3X3_THREADS_MIN_MULTIPLY_ADDS), for `deno task bench:threads`, which
 * times each loss split at sizes below them. Not exported from
 * `@focal/stability/threads`.
 */
export function overrideThresholds(next: Partial<Record<SplitKind, number>> | null): void {
  thresholds = { ...THRESHOLDS, ...next };
}

/** How many kernel calls have been split across threads (for tests). */
export function kernelThreadSplitCalls(): number {
  return splitCalls;
}

/** Options of {@linkcode startKernelThreads}. */
export interface KernelThreadOptions {
  /**
   * How long a helper keeps polling for the next request after it finished
   * a part, in microseconds, before it sleeps on `Atomics.wait`. A request
   * within that time starts at once; one after it first wakes the helper
   * (tens of microseconds or more). Each split call costs a helper's core up
   * to this much more; 0 sleeps at once.
   * @default {200}
   */
  spinMicroseconds?: number;
}

/**
 * Starts `threads − 1` helper threads (default: one per logical CPU) for the
 * wasm focal kernels (sigmoid, Quality, softmax, Unified) and the U-Net's
 * 3×3 convolutions, replacing any already running. Returns the number
 * of threads a large call now uses, the caller's included: 1 where this
 * runtime's WebAssembly cannot compile the kernels (they use relaxed SIMD,
 * which Node.js 20 has only behind `--experimental-wasm-relaxed-simd`).
 *
 * @param threads Threads a large call uses, the caller's included.
 * @param options How long an idle helper polls before it sleeps.
 * @returns The threads a large call now uses.
 * @throws {RangeError} If `threads` is not a positive integer or
 * `spinMicroseconds` not a finite number ≥ 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelThreadCount, startKernelThreads, stopKernelThreads } from "@focal/stability/threads";
 *
 * assert.equal(await startKernelThreads(2, { spinMicroseconds: 200 }), 2);
 * // The losses on the wasm backend now use both threads from
 * // KERNEL_THREADS_MIN_ELEMENTS elements (per loss: 2^15 or 2^16).
 * stopKernelThreads();
 * assert.equal(kernelThreadCount(), 1);
 * ```
 */
export async function startKernelThreads(
  threads: number = globalThis.navigator?.hardwareConcurrency ?? 1,
  options: KernelThreadOptions = {},
): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  }
  const { spinMicroseconds = DEFAULT_SPIN_MICROSECONDS } = options;
  if (!(Number.isFinite(spinMicroseconds) && spinMicroseconds >= 0)) {
    throw new RangeError(`spinMicroseconds must be a finite number ≥ 0, got ${spinMicroseconds}`);
  }
  stopKernelThreads();
  const helpers = Math.min(threads, 64) - 1;
  // Where the kernels do not compile (Node.js 20 without
  // --experimental-wasm-relaxed-simd), the losses run composed on one thread.
  if (helpers === 0 || !Object.values(SHARED_MODULES).every(moduleCompiles)) return 1;
  // The control blocks, then a scratch for the warm-up (one array: the
  // warm-up's inputs and outputs may alias, its values do not matter).
  const scratch = helpers * CONTROL_BYTES;
  const initial = Math.ceil((scratch + WARMUP_ELEMENTS * 4) / 65536);
  const memory = new WebAssembly.Memory({ initial, maximum: MAXIMUM_PAGES, shared: true });
  const modules = Object.fromEntries(
    Object.entries(SHARED_MODULES).map((
      [name, base64],
    ) => [name, Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))]),
  );
  const workers: Worker[] = [];
  for (let h = 0; h < helpers; h++) {
    const worker = new Worker(HELPER_SOURCE, { eval: true });
    worker.unref();
    worker.postMessage({
      modules,
      memory,
      control: h * CONTROL_BYTES,
      scratch,
      spinMs: spinMicroseconds / 1000,
    });
    workers.push(worker);
  }
  pool = { memory, workers, sequence: 0 };
  await helpersReady(pool);
  setSplitRunner(runSplit, helpers + 1);
  return helpers + 1;
}

/** Stops the helper threads; kernels run on the calling thread again. */
export function stopKernelThreads(): void {
  if (pool === null) return;
  setSplitRunner(null);
  const slots = new Int32Array(pool.memory.buffer);
  pool.workers.forEach((worker, h) => {
    Atomics.store(slots, slot(h, REQUEST), -1);
    Atomics.notify(slots, slot(h, REQUEST));
    worker.terminate();
  });
  pool = null;
}

/** How many threads a large kernel call uses now: 1 when none were started. */
export function kernelThreadCount(): number {
  return pool === null ? 1 : pool.workers.length + 1;
}

/** Index of a helper's Int32 control slot. */
function slot(h: number, which: number): number {
  return (h * CONTROL_BYTES) / 4 + which;
}

/**
 * Index of a helper's first Float64 argument slot: the function's number,
 * then the argument count, the arguments, and the result at RESULT.
 */
function argument(h: number): number {
  return (h * CONTROL_BYTES + ARGS_AT) / 8;
}

/**
 * Resolves once every helper has compiled its module and answered a request
 * that does nothing (function 0 over 0 elements). Polls asynchronously: the
 * helpers start on this thread's event loop.
 */
async function helpersReady(p: Pool): Promise<void> {
  const slots = new Int32Array(p.memory.buffer);
  const args = new Float64Array(p.memory.buffer);
  const sequence = ++p.sequence;
  p.workers.forEach((_, h) => {
    args.fill(0, argument(h), argument(h) + RESULT);
    Atomics.store(slots, slot(h, REQUEST), sequence);
  });
  const started = performance.now();
  while (!p.workers.every((_, h) => Atomics.load(slots, slot(h, DONE)) === sequence)) {
    p.workers.forEach((_, h) => Atomics.notify(slots, slot(h, REQUEST)));
    if (performance.now() - started > TIMEOUT_MS) {
      stopKernelThreads();
      throw new Error("kernel threads did not start");
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Runs `call` split across the threads and returns the sum of the parts'
 * results (the sigmoid kernels return Σ loss), or null when it should run
 * unsplit: no helpers, too few elements, or parts too large for the shared
 * memory. Parts hold whole units, the first `align`-aligned.
 */
function runSplit(call: SplitCall): number | null {
  const p = pool;
  const width = Math.max(0, ...call.inputs.filter((a) => !a.whole).map((a) => a.width));
  if (p === null || (call.size ?? call.units * width) < thresholds[call.loss]) return null;
  const parts = p.workers.length + 1;
  const size = Math.ceil(call.units / parts / call.align) * call.align;
  const arrays = [...call.inputs, ...call.outputs.filter((o) => o.ptr !== 0)];
  const floatsPerPart = arrays.reduce(
    (sum, a) => sum + (a.whole ? a.width : a.width * size),
    call.scratch ?? 0,
  );
  const dataStart = p.workers.length * CONTROL_BYTES;
  const needed = dataStart + p.workers.length * floatsPerPart * 4;
  const have = p.memory.buffer.byteLength;
  if (needed > have) {
    const pages = Math.ceil((needed - have) / 65536);
    if (have / 65536 + pages > MAXIMUM_PAGES) return null;
    p.memory.grow(pages);
  }
  splitCalls++;
  const shared = p.memory.buffer;
  const slots = new Int32Array(shared);
  const args = new Float64Array(shared);
  const sequence = ++p.sequence;
  const copies: { from: number; to: number; count: number }[] = [];
  const kernel = KERNEL_FUNCTIONS.findIndex((f) => f.name === call.kernel);
  let next = dataStart;
  // The next array of one part in the shared memory.
  const place = (floats: number) => {
    const at = next;
    next += floats * 4;
    return at;
  };
  for (let h = 0; h < p.workers.length; h++) {
    const start = size * (h + 1);
    const count = Math.max(0, Math.min(size, call.units - start));
    const inputs = call.inputs.map(({ ptr, width, whole }) => {
      const floats = whole ? width : count * width;
      const at = place(whole ? width : size * width);
      new Float32Array(shared, at, floats).set(
        new Float32Array(call.memory.buffer, whole ? ptr : ptr + start * width * 4, floats),
      );
      return at;
    });
    const outputs = call.outputs.map(({ ptr, width }) => {
      if (ptr === 0) return 0;
      const at = place(size * width);
      copies.push({ from: at, to: ptr + start * width * 4, count: count * width });
      return at;
    });
    const scratch = call.scratch ? [place(call.scratch)] : [];
    const list = [...inputs, ...outputs, ...scratch, ...call.args(count, start)];
    args.set([kernel, list.length, ...list], argument(h));
    Atomics.store(slots, slot(h, REQUEST), sequence);
    Atomics.notify(slots, slot(h, REQUEST));
  }
  let sum = call.local(Math.min(size, call.units));
  for (let h = 0; h < p.workers.length; h++) {
    const done = slot(h, DONE);
    const started = performance.now();
    // Poll first: this thread has nothing else to do, and a sleeping one wakes late.
    while (Atomics.load(slots, done) !== sequence && performance.now() - started < CALLER_SPIN_MS) {
      // polling
    }
    while (Atomics.load(slots, done) !== sequence) {
      Atomics.wait(slots, done, Atomics.load(slots, done), 1000);
      if (performance.now() - started > TIMEOUT_MS) {
        stopKernelThreads();
        throw new Error(`kernel thread ${h + 1} did not answer`);
      }
    }
    if (slots[slot(h, FAILED)] !== 0) {
      throw new Error(`kernel thread ${h + 1} failed`);
    }
    sum += args[argument(h) + RESULT];
  }
  for (const { from, to, count } of copies) {
    new Float32Array(call.memory.buffer, to, count).set(new Float32Array(shared, from, count));
  }
  return sum;
}
