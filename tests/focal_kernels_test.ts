import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import {
  qualityFocalLoss,
  sigmoidFocalLoss,
  softmaxFocalLoss,
  type SoftmaxFocalLossOptions,
  unifiedFocalLoss,
} from "../mod.ts";
import {
  focalKernelAvailable,
  SCALE_ROWS_KERNEL,
  setFocalKernelsEnabled,
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
  SOFTMAX_FOCAL_KERNEL,
  SOFTMAX_FOCAL_REDUCED_KERNEL,
  UNIFIED_FOCAL_GRAD_KERNEL,
  UNIFIED_FOCAL_SUMS_KERNEL,
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
  name("the fused kernels are registered (row scaling and reduced softmax on cpu and wasm)"),
  () => {
    assert.ok(focalKernelAvailable(SIGMOID_FOCAL_KERNEL));
    assert.ok(focalKernelAvailable(SOFTMAX_FOCAL_KERNEL));
    assert.ok(focalKernelAvailable(SIGMOID_FOCAL_REDUCED_KERNEL));
    assert.ok(focalKernelAvailable(UNIFIED_FOCAL_SUMS_KERNEL));
    assert.ok(focalKernelAvailable(UNIFIED_FOCAL_GRAD_KERNEL));
    assert.equal(focalKernelAvailable(SCALE_ROWS_KERNEL), BACKEND !== "webgpu");
    assert.equal(focalKernelAvailable(SOFTMAX_FOCAL_REDUCED_KERNEL), BACKEND !== "webgpu");
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

/**
 * Three masks of 7×9 pixels (a count that leaves a tail of three lanes) and their logits: predicted perfectly and
 * saturated (1 − TI rounds to 0: the original mode's NaN for the image), a
 * random spread, and a spread with saturated background pixels (x < −17.3,
 * where 1 − (1 − p) is 0: NaN on those pixels) and soft mask values.
 */
function segmentationBatch(): { x: tf.Tensor; t: tf.Tensor } {
  const x: number[] = [];
  const t: number[] = [];
  let seed = 99;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let image = 0; image < 3; image++) {
    for (let i = 0; i < 63; i++) {
      const y = next() < 0.3 ? 1 : 0;
      if (image === 0) {
        t.push(y);
        x.push(y === 1 ? 30 : -30);
      } else if (image === 1) {
        t.push(y);
        x.push((next() - 0.5) * 8);
      } else {
        t.push(i % 7 === 0 ? 0.4 : y);
        x.push(y === 0 && i % 3 === 0 ? -20 - 10 * next() : (next() - 0.5) * 12);
      }
    }
  }
  return { x: tf.tensor4d(x, [3, 7, 9, 1]), t: tf.tensor4d(t, [3, 7, 9, 1]) };
}

Deno.test(
  name("fused unified kernels = composed math: value, gradient and NaN images, every mode"),
  async () => {
    const { x, t } = segmentationBatch();
    // Images larger than a webgpu workgroup (256 threads), whose sums loop.
    const xBig = tf.mul(tf.randomNormal([2, 33, 37, 1], 0, 1, "float32", 5), 4);
    const tBig = tf.cast(
      tf.less(tf.randomUniform([2, 33, 37, 1], 0, 1, "float32", 6), 0.3),
      "float32",
    );
    try {
      for (const stabilization of ["exact", "epsilon", "none"] as const) {
        for (const gamma of [0.2, 0.5, 1]) {
          for (const weight of [0, 0.5, 1]) {
            const options = { stabilization, gamma, weight, delta: 0.6 };
            const what = `unified ${stabilization} γ=${gamma} λ=${weight}`;
            await compare(x, t, (a, b) => unifiedFocalLoss(a, b, options), what);
            await compare(xBig, tBig, (a, b) => unifiedFocalLoss(a, b, options), `${what} 33×37`);
          }
        }
      }
    } finally {
      setFocalKernelsEnabled(true);
      tf.dispose([x, t, xBig, tBig]);
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

/** γ and reduction of the softmax comparisons: every γ per row, two with the reducing kernel. */
const SOFTMAX_CASES = [
  [0, "none"],
  [0.3, "none"],
  [0.5, "none"],
  [2, "none"],
  [0.5, "mean"],
  [0.3, "sum"],
  [2, "mean"],
] as const;

Deno.test(
  name("fused softmax kernel = composed math: values, gradients and NaN rows, per row and reduced"),
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
          for (const [gamma, reduction] of SOFTMAX_CASES) {
            const options: SoftmaxFocalLossOptions = { stabilization, gamma, reduction };
            const what = `C=${classes} ${stabilization} γ=${gamma} ${reduction}`;
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

Deno.test(name("unified: second derivatives go through the composed gradient"), async () => {
  const xs = tf.tensor4d([-30, -2, 0, 3, 1, -1, 0.5, 2], [2, 2, 2, 1]);
  const ts = tf.tensor4d([0, 1, 0.5, 1, 1, 0, 0, 1], [2, 2, 2, 1]);
  const f = (z: tf.Tensor) => unifiedFocalLoss(z, ts, { gamma: 0.5 });
  const fused = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(xs);
  setFocalKernelsEnabled(false);
  const composed = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(xs);
  setFocalKernelsEnabled(true);
  assertClose(await read(fused), await read(composed), { rtol: 10 * RTOL, atol: 1e-7 });
  tf.dispose([xs, ts, fused, composed]);
});
