import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { read } from "./_assert.ts";
import { sigmoidFocalLoss, type SigmoidFocalLossOptions } from "../mod.ts";
import {
  KERNEL_THREADS_MIN_ELEMENTS,
  kernelThreadCount,
  startKernelThreads,
  stopKernelThreads,
} from "../threads.ts";
import { kernelThreadSplitCalls } from "../lib/kernels/focal/kernel_threads.ts";

/**
 * Logits N(0, 12²) with saturated ones, and hard targets with every fifth
 * soft, so that both paths of the kernel and the original mode's NaN run.
 */
function inputs(n: number): { x: tf.Tensor; t: tf.Tensor } {
  const x = new Float32Array(n);
  const t = new Float32Array(n);
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    x[i] = i % 97 === 0 ? (i % 2 ? 120 : -120) : (next() - 0.5) * 40;
    t[i] = i % 5 === 0 ? next() : next() < 0.3 ? 1 : 0;
  }
  return { x: tf.tensor1d(x), t: tf.tensor1d(t) };
}

async function lossAndGrad(
  x: tf.Tensor,
  t: tf.Tensor,
  options: SigmoidFocalLossOptions,
): Promise<{ loss: Float32Array; grad: Float32Array }> {
  const loss = sigmoidFocalLoss(x, t, options);
  const grad = tf.grad((z: tf.Tensor) => sigmoidFocalLoss(z, t, options).sum())(x);
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

Deno.test(
  name("kernel threads: the same losses and gradients as one thread, and they really split"),
  async () => {
    // Sizes that do not divide into equal parts, one below the threshold.
    const sizes = [KERNEL_THREADS_MIN_ELEMENTS - 1, KERNEL_THREADS_MIN_ELEMENTS + 37, 400_003];
    const cases: SigmoidFocalLossOptions[] = [
      { stabilization: "exact", gamma: 0.5, alpha: 0.25, reduction: "none" },
      { stabilization: "exact", gamma: 0.3, reduction: "mean" },
      { stabilization: "epsilon", epsilon: 1e-3, gamma: 0.5, reduction: "sum" },
      { stabilization: "none", gamma: 0.5, alpha: 0.25, reduction: "none" },
    ];
    for (const n of sizes) {
      const { x, t } = inputs(n);
      try {
        const single = [];
        for (const options of cases) single.push(await lossAndGrad(x, t, options));
        // Three threads, so that two helpers run even on a 2-core machine.
        assert.equal(await startKernelThreads(3), 3);
        assert.equal(kernelThreadCount(), 3);
        const before = kernelThreadSplitCalls();
        for (const [i, options] of cases.entries()) {
          const what = `n=${n} ${JSON.stringify(options)}`;
          const threaded = await lossAndGrad(x, t, options);
          assertSame(single[i].grad, threaded.grad, `${what} gradient`);
          if (options.reduction === "none") assertSame(single[i].loss, threaded.loss, what);
          else {
            // A sum in parts: the same float64 terms, added in another order.
            const [a, b] = [single[i].loss[0], threaded.loss[0]];
            assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(a), `${what}: ${b} vs ${a}`);
          }
        }
        const splits = kernelThreadSplitCalls() - before;
        // Each case runs the kernel twice (the loss, and the loss with its gradient).
        const expected = BACKEND === "wasm" && n >= KERNEL_THREADS_MIN_ELEMENTS
          ? 2 * cases.length
          : 0;
        assert.equal(splits, expected, `n=${n}: split calls`);
      } finally {
        stopKernelThreads();
        tf.dispose([x, t]);
      }
    }
    assert.equal(kernelThreadCount(), 1);
  },
);

Deno.test(name("kernel threads: one thread starts none, and bad counts throw"), async () => {
  assert.equal(await startKernelThreads(1), 1);
  assert.equal(kernelThreadCount(), 1);
  await assert.rejects(() => startKernelThreads(0), RangeError);
  await assert.rejects(() => startKernelThreads(1.5), RangeError);
  stopKernelThreads();
  stopKernelThreads();
});
