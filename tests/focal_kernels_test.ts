import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import {
  qualityFocalLoss,
  sigmoidFocalLoss,
  softmaxFocalLoss,
  type SoftmaxFocalLossOptions,
} from "../mod.ts";
import {
  focalKernelAvailable,
  SCALE_ROWS_KERNEL,
  setFocalKernelsEnabled,
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
  SOFTMAX_FOCAL_KERNEL,
} from "../lib/kernels/focal/focal_kernels.ts";

/**
 * Logits of the Figure 2 grid, extremes and a random spread. With soft
 * targets every block of four lanes has one (the kernels' general path);
 * `hard` gives only 0 and 1 (the wasm kernel's path for hard targets).
 */
function inputs(hard = false): { x: number[]; t: number[] } {
  const x: number[] = [];
  const t: number[] = [];
  const targets = hard ? [0, 1] : [0, 1, 0.25, 0.5, 0.9];
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
    t.push(!hard && i % 3 === 0 ? (seed % 1000) / 999 : i % 2);
  }
  return { x, t };
}

async function lossAndGrad(
  xs: tf.Tensor,
  ts: tf.Tensor,
  loss: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor,
): Promise<{ value: Float32Array; grad: Float32Array; kernels: string[] }> {
  let grad: tf.Tensor | null = null;
  let value: tf.Tensor | null = null;
  const profile = await tf.profile(() => {
    value = loss(xs, ts);
    // A different upstream gradient per loss element, so that the kernel's
    // gradient is scaled element by element (row by row for softmax).
    grad = tf.grad((z: tf.Tensor) => {
      const l = loss(z, ts);
      const upstream = tf.add(0.5, tf.div(tf.mod(tf.range(0, l.size), 7), 7)).reshape(l.shape);
      return tf.sum(tf.mul(l, upstream));
    })(xs);
    return [value, grad];
  });
  const out = { value: await read(value!), grad: await read(grad!), kernels: profile.kernelNames };
  tf.dispose([value!, grad!]);
  return out;
}

Deno.test(
  name("the fused kernels are registered (the row-scaling one on cpu and wasm)"),
  () => {
    assert.ok(focalKernelAvailable(SIGMOID_FOCAL_KERNEL));
    assert.ok(focalKernelAvailable(SOFTMAX_FOCAL_KERNEL));
    assert.ok(focalKernelAvailable(SIGMOID_FOCAL_REDUCED_KERNEL));
    assert.equal(focalKernelAvailable(SCALE_ROWS_KERNEL), BACKEND !== "webgpu");
  },
);

/** Fused and composed results of `loss`, with proof that the kernel ran. */
async function compare(
  xs: tf.Tensor,
  ts: tf.Tensor,
  loss: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor,
  what: string,
): Promise<void> {
  const fused = await lossAndGrad(xs, ts, loss);
  setFocalKernelsEnabled(false);
  const composed = await lossAndGrad(xs, ts, loss);
  setFocalKernelsEnabled(true);
  const kernelRan = fused.kernels.some((k) => k.startsWith("FocalStability"));
  assert.ok(kernelRan, `${what}: the fused kernel did not run (${fused.kernels})`);
  assert.ok(!composed.kernels.some((k) => k.startsWith("FocalStability")), what);
  assertClose(fused.value, composed.value, { rtol: 10 * RTOL, atol: 1e-6, what: `${what} loss` });
  // Same NaN positions (the original mode's singularity) and values.
  assertClose(fused.grad, composed.grad, { rtol: 10 * RTOL, atol: 1e-6, what: `${what} grad` });
}

Deno.test(
  name("fused sigmoid kernel = composed math: values, gradients and NaN, every mode"),
  async () => {
    for (const hard of [false, true]) {
      const { x, t } = inputs(hard);
      await compareModes(tf.tensor1d(x), tf.tensor1d(t), hard ? "hard targets" : "soft targets");
    }
  },
);

Deno.test(
  name("fused quality kernel = composed math: values, gradients, NaN and the cusp, every mode"),
  async () => {
    const { x, t } = inputs(false);
    // On the cusp t = σ(x) exactly (x = 0, t = ½): loss 0, gradient 0.
    x.push(0, 0, 0);
    t.push(0.5, 0.5, 0.5);
    const xs = tf.tensor1d(x);
    const ts = tf.tensor1d(t);
    try {
      for (const stabilization of ["exact", "epsilon", "none"] as const) {
        for (const beta of [0, 0.3, 0.5, 1, 2]) {
          for (const reduction of ["none", "mean", "sum"] as const) {
            const options = { stabilization, beta, reduction };
            await compare(
              xs,
              ts,
              (a, b) => qualityFocalLoss(a, b, options),
              `quality ${stabilization} β=${beta} ${reduction}`,
            );
          }
        }
      }
    } finally {
      setFocalKernelsEnabled(true);
      tf.dispose([xs, ts]);
    }
  },
);

/** compare() over every mode, γ, α and reduction; disposes xs and ts. */
async function compareModes(xs: tf.Tensor, ts: tf.Tensor, what: string): Promise<void> {
  try {
    for (const stabilization of ["exact", "epsilon", "none"] as const) {
      for (const gamma of [0, 0.3, 0.5, 1, 2, 2.5]) {
        for (const alpha of [0.25, -1]) {
          for (const reduction of ["none", "mean", "sum"] as const) {
            const options = { stabilization, gamma, alpha, reduction };
            await compare(
              xs,
              ts,
              (x, t) => sigmoidFocalLoss(x, t, options),
              `${what}, ${stabilization} γ=${gamma} α=${alpha} ${reduction}`,
            );
          }
        }
      }
    }
  } finally {
    setFocalKernelsEnabled(true);
    tf.dispose([xs, ts]);
  }
}

/** Softmax rows: ties, saturation, underflow of the other classes, a spread. */
function softmaxRows(classes: number): number[][] {
  const rows = [
    new Array(classes).fill(0),
    [40, ...new Array(classes - 1).fill(0)],
    [0, -103.97, ...new Array(classes - 2).fill(-200)],
    [200, -200, ...new Array(classes - 2).fill(5)],
    [-30, 30, ...new Array(classes - 2).fill(30)],
    [1e4, ...new Array(classes - 1).fill(-1e4)],
  ];
  let seed = 7;
  for (let i = 0; i < 37; i++) {
    rows.push(Array.from({ length: classes }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 80;
    }));
  }
  return rows;
}

Deno.test(
  name("fused softmax kernel = composed math: values, gradients and NaN rows"),
  async () => {
    try {
      for (const classes of [2, 3, 8]) {
        const rows = softmaxRows(classes);
        const z = tf.tensor2d(rows);
        const labels = tf.tensor1d(rows.map((_, i) => (i * 5) % classes), "int32");
        const soft = tf.softmax(
          tf.mul(tf.randomNormal([rows.length, classes], 0, 1, "float32", 9), 2),
        );
        for (const stabilization of ["exact", "epsilon", "none"] as const) {
          for (const gamma of [0, 0.3, 0.5, 2]) {
            const options: SoftmaxFocalLossOptions = { stabilization, gamma };
            const what = `C=${classes} ${stabilization} γ=${gamma}`;
            await compare(z, labels, (x, t) => softmaxFocalLoss(x, t, options), `${what} labels`);
            await compare(
              z,
              soft,
              (x, t) => softmaxFocalLoss(x, t, { ...options, alpha: 0.4 }),
              `${what} soft`,
            );
          }
        }
        tf.dispose([z, labels, soft]);
      }
    } finally {
      setFocalKernelsEnabled(true);
    }
  },
);

Deno.test(name("second derivatives go through the composed gradient"), async () => {
  const xs = tf.tensor1d([-30, -2, 0, 3, 40]);
  const ts = tf.tensor1d([0, 1, 0.5, 1, 1]);
  const f = (z: tf.Tensor) => sigmoidFocalLoss(z, ts, { gamma: 0.5, reduction: "mean" });
  const fused = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(xs);
  setFocalKernelsEnabled(false);
  const composed = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(xs);
  setFocalKernelsEnabled(true);
  assertClose(await read(fused), await read(composed), { rtol: 10 * RTOL, atol: 1e-7 });
  tf.dispose([xs, ts, fused, composed]);
});
