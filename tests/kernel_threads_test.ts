import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import {
  qualityFocalLoss,
  sigmoidFocalLoss,
  type SigmoidFocalLossOptions,
  softmaxFocalLoss,
  type SoftmaxFocalLossOptions,
  unifiedFocalLoss,
  type UnifiedFocalLossOptions,
} from "../mod.ts";
import {
  KERNEL_THREADS_MIN_ELEMENTS,
  kernelThreadCount,
  startKernelThreads,
  stopKernelThreads,
} from "../threads.ts";
import { kernelThreadSplitCalls } from "../lib/kernels/threads/kernel_threads.ts";
import {
  CONV3X3_THREADS_MIN_MULTIPLY_ADDS,
  type SplitLoss,
} from "../lib/kernels/threads/kernel_split.ts";
import {
  CONV3X3_MAX_CHANNELS,
  CONV3X3_MAX_CHANNELS_THREADED,
  conv3x3Calls,
} from "../lib/kernels/gradients/conv3x3_wasm.ts";

/** A deterministic U(0, 1) stream. */
function stream(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/**
 * Logits N(0, 12²)-like with saturated ones (±120 every 97th), so that both
 * paths of the kernels and the original mode's NaN run.
 */
function logits(n: number, next: () => number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = i % 97 === 0 ? (i % 2 ? 120 : -120) : (next() - 0.5) * 40;
  return x;
}

/** Hard targets, every fifth soft (sigmoid, Quality, and Unified masks). */
function elementInputs(shape: number[]): { x: tf.Tensor; t: tf.Tensor } {
  const n = shape.reduce((a, b) => a * b, 1);
  const next = stream(7);
  const x = logits(n, next);
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = i % 5 === 0 ? next() : next() < 0.3 ? 1 : 0;
  return { x: tf.tensor(x, shape), t: tf.tensor(t, shape) };
}

/** Rows of 10 classes, one-hot targets (every seventh row soft). */
function rowInputs(elements: number): { x: tf.Tensor; t: tf.Tensor } {
  const rows = Math.floor(elements / 10);
  const next = stream(11);
  const x = logits(rows * 10, next);
  const t = new Float32Array(rows * 10);
  for (let r = 0; r < rows; r++) {
    if (r % 7 === 0) { for (let j = 0; j < 10; j++) t[r * 10 + j] = 0.1; }
    else t[r * 10 + Math.floor(next() * 10)] = 1;
  }
  return { x: tf.tensor2d(x, [rows, 10]), t: tf.tensor2d(t, [rows, 10]) };
}

/** One loss under test: its inputs at about n elements, and its calls. */
interface ThreadCase {
  loss: SplitLoss;
  /** The test's name for it (the loss's when absent). */
  name?: string;
  inputs(n: number): { x: tf.Tensor; t: tf.Tensor };
  /** Each option set: the loss, and whether its reduced value is a float64 sum in parts. */
  calls: { what: string; f: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor; reduced: boolean }[];
  /** Kernel calls per option set: the loss, then the loss with its gradient. */
  kernelCalls: number;
}

/** Rows of 10 classes, int32 class indices (every eleventh row ignored, index -100). */
function indexInputs(elements: number): { x: tf.Tensor; t: tf.Tensor } {
  const rows = Math.floor(elements / 10);
  const next = stream(13);
  const x = logits(rows * 10, next);
  const t = Int32Array.from(
    { length: rows },
    (_, r) => r % 11 === 0 ? -100 : Math.floor(next() * 10),
  );
  return { x: tf.tensor2d(x, [rows, 10]), t: tf.tensor1d(t, "int32") };
}

const sigmoidCall = (options: SigmoidFocalLossOptions) => ({
  what: JSON.stringify(options),
  f: (x: tf.Tensor, t: tf.Tensor) => sigmoidFocalLoss(x, t, options),
  reduced: options.reduction !== "none",
});
const softmaxCall = (options: SoftmaxFocalLossOptions) => ({
  what: JSON.stringify(options),
  f: (x: tf.Tensor, t: tf.Tensor) => softmaxFocalLoss(x, t, options),
  // The rows' losses are summed after the parts are copied back, in row order.
  reduced: false,
});
const unifiedCall = (options: UnifiedFocalLossOptions) => ({
  what: JSON.stringify(options),
  f: (x: tf.Tensor, t: tf.Tensor) => unifiedFocalLoss(x, t, options),
  // Per-image sums, each computed whole by one thread.
  reduced: false,
});

const CASES: ThreadCase[] = [
  {
    loss: "sigmoid",
    inputs: (n) => elementInputs([n]),
    calls: [
      sigmoidCall({ stabilization: "exact", gamma: 0.5, alpha: 0.25, reduction: "none" }),
      sigmoidCall({ stabilization: "exact", gamma: 0.3, reduction: "mean" }),
      sigmoidCall({ stabilization: "epsilon", epsilon: 1e-3, gamma: 0.5, reduction: "sum" }),
      sigmoidCall({ stabilization: "none", gamma: 0.5, alpha: 0.25, reduction: "none" }),
    ],
    kernelCalls: 2,
  },
  {
    loss: "quality",
    inputs: (n) => elementInputs([n]),
    calls: [
      {
        what: "quality exact β=0.5 none",
        f: (x, t) => qualityFocalLoss(x, t, { beta: 0.5, reduction: "none" }),
        reduced: false,
      },
      {
        what: "quality none β=0.3 mean",
        f: (x, t) => qualityFocalLoss(x, t, { beta: 0.3, stabilization: "none" }),
        reduced: true,
      },
    ],
    kernelCalls: 2,
  },
  {
    loss: "softmax",
    inputs: rowInputs,
    calls: [
      softmaxCall({ stabilization: "exact", gamma: 0.5, reduction: "none" }),
      softmaxCall({ stabilization: "exact", gamma: 0.3, reduction: "mean" }),
      softmaxCall({ stabilization: "epsilon", epsilon: 1e-3, gamma: 0.5, reduction: "sum" }),
      softmaxCall({ stabilization: "none", gamma: 0.5, reduction: "none" }),
    ],
    kernelCalls: 2,
  },
  {
    // Class indices: the kernels' labelled forms, split by rows the same way.
    loss: "softmax",
    name: "softmax with class indices",
    inputs: indexInputs,
    calls: [
      softmaxCall({ stabilization: "exact", gamma: 0.5, reduction: "none", ignoreIndex: -100 }),
      softmaxCall({ stabilization: "exact", gamma: 0.3, alpha: 0.25, reduction: "mean" }),
      softmaxCall({ stabilization: "epsilon", epsilon: 1e-3, gamma: 0.5, reduction: "sum" }),
      softmaxCall({ stabilization: "none", gamma: 0.5, reduction: "none", ignoreIndex: -100 }),
    ],
    kernelCalls: 2,
  },
  {
    loss: "unified",
    // Images of 17 × 19 pixels: parts of whole images, none a multiple of 4 lanes.
    inputs: (n) => elementInputs([Math.max(1, Math.round(n / 323)), 17, 19, 1]),
    calls: [
      unifiedCall({ stabilization: "exact", gamma: 0.5 }),
      unifiedCall({ stabilization: "none", gamma: 0.2, weight: 0, delta: 0.7 }),
      unifiedCall({ stabilization: "epsilon", epsilon: 1e-3, gamma: 0.5, weight: 1 }),
    ],
    // The sums; then the sums and the gradient pass.
    kernelCalls: 3,
  },
];

async function lossAndGrad(
  f: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  t: tf.Tensor,
): Promise<{ loss: Float32Array; grad: Float32Array }> {
  const loss = f(x, t);
  const grad = tf.grad((z: tf.Tensor) => f(z, t).sum())(x);
  const out = { loss: await read(loss), grad: await read(grad) };
  tf.dispose([loss, grad]);
  return out;
}

/** Equal element for element, NaN where the other is NaN. */
function assertSame(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      assert.fail(`${what}: element ${i} is ${b[i]} with threads, ${a[i]} without`);
    }
  }
}

for (const c of CASES) {
  Deno.test(
    name(
      `kernel threads, ${
        c.name ?? c.loss
      }: the same losses and gradients as one thread, and they split`,
    ),
    async () => {
      const threshold = KERNEL_THREADS_MIN_ELEMENTS[c.loss];
      // Sizes that do not divide into equal parts, one below the threshold.
      for (const n of [Math.floor(threshold * 0.9), threshold + 3737, 400_003]) {
        const { x, t } = c.inputs(n);
        const elements = x.size;
        try {
          const single = [];
          for (const call of c.calls) single.push(await lossAndGrad(call.f, x, t));
          // Three threads, so that two helpers run even on a 2-core machine;
          // at the largest size, helpers that sleep at once (no polling).
          const spinMicroseconds = n === 400_003 ? 0 : undefined;
          assert.equal(await startKernelThreads(3, { spinMicroseconds }), 3);
          assert.equal(kernelThreadCount(), 3);
          const before = kernelThreadSplitCalls();
          for (const [i, call] of c.calls.entries()) {
            const what = `${c.loss} n=${elements} ${call.what}`;
            const threaded = await lossAndGrad(call.f, x, t);
            assertSame(single[i].grad, threaded.grad, `${what} gradient`);
            if (!call.reduced) assertSame(single[i].loss, threaded.loss, what);
            else {
              // A sum in parts: the same float64 terms, added in another order.
              const [a, b] = [single[i].loss[0], threaded.loss[0]];
              assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(a), `${what}: ${b} vs ${a}`);
            }
          }
          const splits = kernelThreadSplitCalls() - before;
          const expected = BACKEND === "wasm" && elements >= threshold
            ? c.kernelCalls * c.calls.length
            : 0;
          assert.equal(splits, expected, `${c.loss} n=${elements}: split calls`);
        } finally {
          stopKernelThreads();
          tf.dispose([x, t]);
        }
      }
      assert.equal(kernelThreadCount(), 1);
    },
  );
}

/** y, dx and dw of a 3×3 "same" convolution, and how many calls our conv3x3 kernels made. */
async function convolution(x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor) {
  const before = conv3x3Calls();
  const y = tf.conv2d(x, w, 1, "same");
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"), dy))
  )([x, w]);
  const out = { y: await read(y), dx: await read(dx), dw: await read(dw) };
  tf.dispose([y, dx, dw]);
  return { ...out, calls: conv3x3Calls() - before };
}

Deno.test(
  name("kernel threads, 3×3 convolutions: the same outputs and gradients as one thread, split"),
  async () => {
    // [n, h, w, ci] → co: the U-Net's first layer (ci 1: filter rows one at a
    // time), image counts and filter rows that do not divide into three
    // equal parts, the channel limit, and one call below the threshold.
    const cases: [[number, number, number, number], number][] = [
      [[24, 28, 28, 1], 8],
      [[7, 28, 28, 4], 8],
      [[5, 14, 14, 12], 16],
      [[13, 7, 7, 32], 32],
      [[2, 9, 7, 4], 4],
    ];
    for (const [shape, co] of cases) {
      const x = tf.randomNormal(shape, 0, 1, "float32", 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, shape[3], co], 0, 1, "float32", 2) as tf.Tensor4D;
      const dy = tf.randomNormal([...shape.slice(0, 3), co], 0, 1, "float32", 3);
      const what = `[${shape}] → ${co}`;
      try {
        const single = await convolution(x, w, dy);
        assert.equal(await startKernelThreads(3), 3);
        const before = kernelThreadSplitCalls();
        const threaded = await convolution(x, w, dy);
        const splits = kernelThreadSplitCalls() - before;
        for (const k of ["y", "dx", "dw"] as const) {
          assertSame(single[k], threaded[k], `${what} ${k}`);
        }
        // Every call of our kernels split when the convolution is large enough.
        const multiplyAdds = shape[0] * shape[1] * shape[2] * 9 * shape[3] * co;
        const large = multiplyAdds >= CONV3X3_THREADS_MIN_MULTIPLY_ADDS;
        assert.equal(threaded.calls, single.calls, what);
        assert.equal(splits, large ? threaded.calls : 0, `${what}: split calls`);
        if (BACKEND === "wasm") assert.ok(threaded.calls >= 3, `${what}: ${threaded.calls} calls`);
      } finally {
        stopKernelThreads();
        tf.dispose([x, w, dy]);
      }
    }
  },
);

Deno.test(
  name("kernel threads: 3×3 convolutions up to CONV3X3_MAX_CHANNELS_THREADED go to our kernels"),
  async () => {
    // 64 channels: past the one-thread limit (XNNPACK's path), within the threaded one.
    const shape: [number, number, number, number] = [6, 7, 7, 64];
    assert.ok(CONV3X3_MAX_CHANNELS < 64 && 64 <= CONV3X3_MAX_CHANNELS_THREADED);
    const x = tf.randomNormal(shape, 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 64], 0, 1, "float32", 2) as tf.Tensor4D;
    const dy = tf.randomNormal([6, 7, 7, 64], 0, 1, "float32", 3);
    try {
      const single = await convolution(x, w, dy);
      assert.equal(single.calls, 0, "one thread: XNNPACK's path");
      await startKernelThreads(2);
      const threaded = await convolution(x, w, dy);
      assert.equal(threaded.calls, BACKEND === "wasm" ? 4 : 0, "two threads: our kernels");
      for (const k of ["y", "dx", "dw"] as const) {
        assertClose(threaded[k], single[k], { rtol: 1e-4, atol: 1e-3, what: k });
      }
    } finally {
      stopKernelThreads();
      tf.dispose([x, w, dy]);
    }
  },
);

Deno.test(
  name("kernel threads: one thread starts none, and bad counts and spins throw"),
  async () => {
    assert.equal(await startKernelThreads(1), 1);
    assert.equal(kernelThreadCount(), 1);
    await assert.rejects(() => startKernelThreads(0), RangeError);
    await assert.rejects(() => startKernelThreads(1.5), RangeError);
    for (const spinMicroseconds of [-1, NaN, Infinity]) {
      await assert.rejects(() => startKernelThreads(2, { spinMicroseconds }), RangeError);
    }
    stopKernelThreads();
    stopKernelThreads();
  },
);
