import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import { sigmoidFocalLoss, type SigmoidFocalLossOptions } from "../mod.ts";
import {
  fusedKernelAvailable,
  setFusedKernelsEnabled,
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
} from "../lib/kernels/fused_kernels.ts";

/** Logits of the Figure 2 grid, extremes and a random spread. */
function inputs(): { x: number[]; t: number[] } {
  const x: number[] = [];
  const t: number[] = [];
  const targets = [0, 1, 0.25, 0.5, 0.9];
  for (let i = 0; i <= 760; i++) {
    x.push(-38 + i * 0.1);
    t.push(targets[i % targets.length]);
  }
  for (
    const v of [
      -1e4,
      -200,
      -104,
      -89,
      -88,
      -17.4,
      -16.6,
      -1e-30,
      0,
      1e-30,
      16.6,
      17.4,
      88,
      89,
      104,
      200,
      1e4,
    ]
  ) {
    for (const target of targets) {
      x.push(v);
      t.push(target);
    }
  }
  let seed = 12345;
  for (let i = 0; i < 203; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    x.push((seed / 2 ** 31 - 0.5) * 60);
    t.push(i % 3 === 0 ? (seed % 1000) / 999 : i % 2);
  }
  return { x, t };
}

async function lossAndGrad(
  xs: tf.Tensor,
  ts: tf.Tensor,
  options: SigmoidFocalLossOptions,
): Promise<{ value: Float32Array; grad: Float32Array; kernels: string[] }> {
  let grad: tf.Tensor | null = null;
  let value: tf.Tensor | null = null;
  const profile = await tf.profile(() => {
    value = sigmoidFocalLoss(xs, ts, options);
    grad = tf.grad((z: tf.Tensor) => sigmoidFocalLoss(z, ts, options).sum())(xs);
    return [value, grad];
  });
  const out = { value: await read(value!), grad: await read(grad!), kernels: profile.kernelNames };
  tf.dispose([value!, grad!]);
  return out;
}

Deno.test(name("the fused kernel is registered (and the reducing one on cpu and wasm)"), () => {
  assert.ok(fusedKernelAvailable(SIGMOID_FOCAL_KERNEL));
  assert.equal(fusedKernelAvailable(SIGMOID_FOCAL_REDUCED_KERNEL), BACKEND !== "webgpu");
});

Deno.test(name("fused kernel = composed math: values, gradients and NaN, every mode"), async () => {
  const { x, t } = inputs();
  const xs = tf.tensor1d(x);
  const ts = tf.tensor1d(t);
  try {
    for (const stabilization of ["exact", "epsilon", "none"] as const) {
      for (const gamma of [0, 0.3, 0.5, 1, 2, 2.5]) {
        for (const alpha of [0.25, -1]) {
          for (const reduction of ["none", "mean", "sum"] as const) {
            const options = { stabilization, gamma, alpha, reduction };
            const fused = await lossAndGrad(xs, ts, options);
            setFusedKernelsEnabled(false);
            const composed = await lossAndGrad(xs, ts, options);
            setFusedKernelsEnabled(true);
            const what = `${stabilization} γ=${gamma} α=${alpha} ${reduction}`;
            const kernelRan = fused.kernels.some((k) => k.startsWith("FocalStability"));
            assert.ok(kernelRan, `${what}: the fused kernel did not run (${fused.kernels})`);
            assert.ok(!composed.kernels.some((k) => k.startsWith("FocalStability")), what);
            assertClose(fused.value, composed.value, {
              rtol: 10 * RTOL,
              atol: 1e-6,
              what: `${what} loss`,
            });
            // Same NaN positions (the original mode's singularity) and values.
            assertClose(fused.grad, composed.grad, {
              rtol: 10 * RTOL,
              atol: 1e-6,
              what: `${what} grad`,
            });
          }
        }
      }
    }
  } finally {
    setFusedKernelsEnabled(true);
    tf.dispose([xs, ts]);
  }
});

Deno.test(name("second derivatives go through the composed gradient"), async () => {
  const xs = tf.tensor1d([-30, -2, 0, 3, 40]);
  const ts = tf.tensor1d([0, 1, 0.5, 1, 1]);
  const f = (z: tf.Tensor) => sigmoidFocalLoss(z, ts, { gamma: 0.5, reduction: "mean" });
  const fused = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(xs);
  setFusedKernelsEnabled(false);
  const composed = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(xs);
  setFusedKernelsEnabled(true);
  assertClose(await read(fused), await read(composed), { rtol: 10 * RTOL, atol: 1e-7 });
  tf.dispose([xs, ts, fused, composed]);
});
