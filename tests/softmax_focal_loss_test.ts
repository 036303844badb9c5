import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { assertAllFinite, assertClose, assertNoLeak, decode, read } from "./_assert.ts";
import { softmaxFocal } from "./_reference.ts";
import { softmaxFocalLoss, type SoftmaxFocalLossOptions, validateFocalInputs } from "../mod.ts";

// Made by tests/fixtures/make_torch_fixtures.py: kornia's composition
// (softmax, log_softmax, pow) in torch 1.13, CPU, float32.
const fixtures = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/torch_reference.json", import.meta.url)),
).softmax;

async function run(
  z: tf.Tensor,
  targets: tf.Tensor,
  options: SoftmaxFocalLossOptions,
): Promise<{ value: Float32Array; grad: Float32Array }> {
  const perSample = softmaxFocalLoss(z, targets, options);
  const grad = tf.grad((x: tf.Tensor) => softmaxFocalLoss(x, targets, options).sum())(z);
  const out = { value: await read(perSample), grad: await read(grad) };
  tf.dispose([perSample, grad]);
  return out;
}

function fixtureInputs(): { z: tf.Tensor; labels: tf.Tensor } {
  return {
    z: tf.tensor(fixtures.logits, fixtures.shape),
    labels: tf.tensor1d(fixtures.labels, "int32"),
  };
}

Deno.test(name("'none' matches torch (kornia's composition), NaN rows included"), async () => {
  const { z, labels } = fixtureInputs();
  for (const c of fixtures.cases) {
    const { value, grad } = await run(z, labels, {
      gamma: c.gamma,
      alpha: fixtures.alpha,
      stabilization: "none",
    });
    assertClose(value, decode(c.loss), { rtol: RTOL, atol: 1e-6, what: `γ=${c.gamma} loss` });
    assertClose(grad, decode(c.grad), { rtol: RTOL, atol: 1e-6, what: `γ=${c.gamma} grad` });
  }
  tf.dispose([z, labels]);
});

Deno.test(
  name("'exact' and 'epsilon' stay finite where torch is NaN; 'exact' equals it elsewhere"),
  async () => {
    const { z, labels } = fixtureInputs();
    for (const c of fixtures.cases) {
      const exact = await run(z, labels, { gamma: c.gamma, alpha: fixtures.alpha });
      const eps = await run(z, labels, {
        gamma: c.gamma,
        alpha: fixtures.alpha,
        stabilization: "epsilon",
      });
      assertAllFinite(exact.grad, `exact γ=${c.gamma}`);
      assertAllFinite(eps.grad, `epsilon γ=${c.gamma}`);
      assertClose(exact.value, decode(c.loss), { rtol: RTOL, atol: 1e-6, what: "loss" });
      const torchGrad = decode(c.grad);
      const finite = torchGrad.flatMap((g, i) => Number.isFinite(g) ? [i] : []);
      assertClose(finite.map((i) => exact.grad[i]), finite.map((i) => torchGrad[i]), {
        rtol: RTOL,
        atol: 1e-6,
        what: `γ=${c.gamma} grad`,
      });
    }
    tf.dispose([z, labels]);
  },
);

Deno.test(
  name("'exact' equals float64 values and central differences at extreme logits"),
  async () => {
    const rows = [
      [40, 0, -3, 1],
      [-30, 30, 0, 0],
      [200, -200, 0, 5],
      [0.5, 0.5, 0.5, -0.5],
      [-1000, 1000, 999, 0],
      [3, 3, 3, 3],
    ];
    const weights = [
      [1, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 0.25, 0.5, 0.25],
      [0, 0, 0.7, 0.3],
      [0, 0, 1, 0],
      [0, 1, 0, 0],
    ];
    for (const gamma of [0, 0.1, 0.5, 0.9, 2]) {
      const z = tf.tensor2d(rows);
      const y = tf.tensor2d(weights);
      const { value, grad } = await run(z, y, { gamma });
      assertAllFinite(grad, `γ=${gamma} grad`);
      rows.forEach((row, r) => {
        const f = (v: number[]) => softmaxFocal(v, weights[r], gamma);
        assertClose([value[r]], [f(row)], {
          rtol: 10 * RTOL,
          atol: 1e-30,
          what: `γ=${gamma} row ${r}`,
        });
        row.forEach((zc, c) => {
          const h = 1e-4 * Math.max(1, Math.abs(zc));
          const up = row.map((v, j) => j === c ? v + h : v);
          const down = row.map((v, j) => j === c ? v - h : v);
          const fd = (f(up) - f(down)) / (2 * h);
          assertClose([grad[r * 4 + c]], [fd], {
            rtol: 1e-3,
            atol: 1e-7,
            what: `γ=${gamma} d/dz[${r},${c}]`,
          });
        });
      });
      tf.dispose([z, y]);
    }
  },
);

Deno.test(
  name("a saturated class keeps its tiny gradient; a wrong one its full gradient"),
  async () => {
    const z = tf.tensor2d([[40, 0, -3], [-50, 50, 0]]);
    const y = tf.tensor1d([0, 0], "int32");
    const { grad } = await run(z, y, { gamma: 0.5 });
    // Row 0: −(1 − p_0)ψ_0 with 1 − p_0 ≈ e^−40, and the row sums to 0.
    assert.ok(grad[0] < 0 && grad[0] > -1e-25, `grad[0] = ${grad[0]}`);
    assertClose([grad[0] + grad[1] + grad[2]], [0], { rtol: 0, atol: 1e-30 });
    assertClose([grad[3], grad[4]], [-1, 1], { rtol: 1e-5 });
    tf.dispose([z, y]);
  },
);

Deno.test(name("γ = 0 is the softmax cross entropy"), async () => {
  const z = tf.tensor2d([[1, 2, 3], [0, -1, 4], [10, 0, 0]]);
  const y = tf.oneHot(tf.tensor1d([2, 0, 1], "int32"), 3).toFloat();
  const ours = await read(softmaxFocalLoss(z, y, { gamma: 0, reduction: "mean" }));
  const ce = await read(tf.losses.softmaxCrossEntropy(y, z));
  assertClose(ours, ce, { rtol: RTOL });
  tf.dispose([z, y]);
});

Deno.test(
  name("class indices equal one-hot targets; ignoreIndex drops samples from the mean"),
  async () => {
    const z = tf.tensor3d([[[1, 2, 0], [0, 0, 9]], [[5, -5, 0], [0.1, 0.2, 0.3]]]);
    const labels = tf.tensor2d([[1, 2], [-1, 0]], [2, 2], "int32");
    const oneHot = tf.tensor3d([[[0, 1, 0], [0, 0, 1]], [[0, 0, 0], [1, 0, 0]]]);
    for (const stabilization of ["exact", "epsilon", "none"] as const) {
      const options = { gamma: 0.5, stabilization, alpha: [0.2, 0.3, 0.5] };
      const byIndex = await run(z, labels, { ...options, ignoreIndex: -1 });
      const byProb = await run(z, oneHot, options);
      assert.deepEqual(byIndex.value.length, 4);
      assertClose(byIndex.value, byProb.value, { rtol: 1e-6, what: stabilization });
      assertClose(byIndex.grad, byProb.grad, { rtol: 1e-6, atol: 1e-9, what: stabilization });
      assert.ok(byIndex.value[2] === 0, "an ignored sample has loss 0");
      assert.ok(byIndex.grad.slice(6, 9).every((g) => g === 0), "and gradient 0");
      const mean = await read(
        softmaxFocalLoss(z, labels, { ...options, ignoreIndex: -1, reduction: "mean" }),
      );
      const kept = [0, 1, 3].map((i) => byIndex.value[i]);
      assertClose(mean, [kept.reduce((s, v) => s + v, 0) / 3], { rtol: 1e-6, what: "mean" });
    }
    // All samples ignored: the mean is 0, not NaN.
    const none = tf.fill([2, 2], -1, "int32");
    const { value, grad } = await run(z, none, { ignoreIndex: -1, reduction: "mean" });
    assert.deepEqual(Array.from(value), [0]);
    assert.ok(grad.every((g) => g === 0));
    tf.dispose([z, labels, oneHot, none]);
  },
);

Deno.test(
  name("class indices go to the kernel as they are (no OneHot), equal to one-hot weights"),
  async () => {
    // 37 rows (the wasm kernel's four-row blocks and a partial one), 5 classes,
    // one saturated row (its original-mode gradient is NaN), labels with an
    // ignored class inside the class range and one out of it.
    const rows = 37;
    const classes = 5;
    const values = Array.from({ length: rows * classes }, (_, i) => Math.sin(i * 1.7) * 4);
    values.splice(0, classes, 40, -40, 0, 1, 2);
    const z = tf.tensor2d(values, [rows, classes]);
    const labelValues = Array.from({ length: rows }, (_, r) => (r * 3) % classes);
    labelValues[5] = -1;
    const labels = tf.tensor1d(labelValues, "int32");
    for (const stabilization of ["exact", "epsilon", "none"] as const) {
      for (const alpha of [undefined, 0.25, [0.4, 0.4, 0.4, 0.4, 0.4]]) {
        for (const ignoreIndex of [undefined, 2]) {
          const what = `${stabilization}, alpha ${alpha}, ignoreIndex ${ignoreIndex}`;
          const options = { gamma: 0.5, stabilization, alpha, ignoreIndex };
          const weight = alpha === undefined ? 1 : typeof alpha === "number" ? alpha : alpha[0];
          const keep = labelValues.map((l) => l !== ignoreIndex);
          const weights = tf.tensor2d(
            labelValues.flatMap((l, r) =>
              Array.from({ length: classes }, (_, c) => (c === l && keep[r] ? weight : 0))
            ),
            [rows, classes],
          );
          const byIndex = await run(z, labels, options);
          const byWeights = await run(z, weights, {
            ...options,
            alpha: undefined,
            ignoreIndex: undefined,
          });
          assertClose(byIndex.value, byWeights.value, { rtol: 1e-6, what });
          assertClose(byIndex.grad, byWeights.grad, { rtol: 1e-6, atol: 1e-9, what });
          for (const reduction of ["mean", "sum"] as const) {
            const reduced = await read(softmaxFocalLoss(z, labels, { ...options, reduction }));
            const kept = byWeights.value.filter((_, r) => keep[r]);
            const total = kept.reduce((s, v) => s + v, 0);
            const expected = reduction === "sum" ? total : total / kept.length;
            assertClose(reduced, [expected], { rtol: 1e-5, what: `${what}, ${reduction}` });
          }
          // Forward and backward without a one-hot tensor.
          const profile = await tf.profile(() => {
            const g = tf.grad((x: tf.Tensor) =>
              softmaxFocalLoss(x, labels, { ...options, reduction: "mean" })
            )(z);
            return g;
          });
          assert.ok(
            !profile.kernelNames.includes("OneHot"),
            `${what}: ${profile.kernelNames.join(", ")}`,
          );
          weights.dispose();
        }
      }
    }
    tf.dispose([z, labels]);
  },
);

Deno.test(name("properties of exact mode (fast-check)"), async () => {
  const row = fc.array(fc.double({ min: -150, max: 150, noNaN: true }).map(Math.fround), {
    minLength: 2,
    maxLength: 6,
  });
  const gamma = fc.oneof(fc.constantFrom(0, 0.5, 2), fc.double({ min: 0, max: 4, noNaN: true }));
  await fc.assert(
    fc.asyncProperty(row, fc.nat(), gamma, async (logits, label, g) => {
      const z = tf.tensor2d([logits]);
      const y = tf.tensor1d([label % logits.length], "int32");
      const { value, grad } = await run(z, y, { gamma: g });
      assertAllFinite(value, "loss");
      assertAllFinite(grad, "grad");
      // Softmax gradients sum to zero over the classes.
      const scale = Math.max(1, ...Array.from(grad, Math.abs));
      assertClose([grad.reduce((s, v) => s + v, 0) / scale], [0], { rtol: 0, atol: 1e-5 });
      // Adding a constant to every logit changes nothing.
      const shifted = tf.add(z, 7);
      const moved = await run(shifted, y, { gamma: g });
      assertClose(moved.value, value, { rtol: 1e-4, atol: 1e-5, what: "shifted loss" });
      tf.dispose([z, y, shifted]);
    }),
    { numRuns: 30, seed: 7 },
  );
});

Deno.test(name("exact mode: second derivatives are finite"), async () => {
  const z = tf.tensor2d([[40, 0, -3], [-30, 30, 0], [0.1, 0.2, 0.3]]);
  const y = tf.tensor1d([0, 0, 2], "int32");
  const f = (x: tf.Tensor) => softmaxFocalLoss(x, y, { gamma: 0.5, reduction: "sum" });
  const second = tf.grad((x: tf.Tensor) => tf.grad(f)(x).square().sum())(z);
  assertAllFinite(await read(second), "d²L/dz²");
  tf.dispose([z, y, second]);
});

Deno.test(
  name("one sample of shape [K]: [K] gradients, first and second, in every mode"),
  async () => {
    // On webgpu, oneHot of a rank-0 index comes back as [1, K], not [K]: the
    // exact mode's loss became [1] and its second derivative threw on the shape.
    const z = tf.tensor1d([40, 0, -3, 0.5]);
    for (const y of [tf.tensor1d([1, 0, 0, 0]), tf.scalar(0, "int32")]) {
      for (const stabilization of ["exact", "epsilon", "none"] as const) {
        const f = (x: tf.Tensor) => softmaxFocalLoss(x, y, { gamma: 0.5, stabilization });
        const loss = f(z);
        const first = tf.grad(f)(z);
        assert.deepEqual(loss.shape, [], `${stabilization}, ${y.dtype} target`);
        assert.deepEqual(first.shape, [4]);
        if (stabilization === "exact") {
          const second = tf.grad((x: tf.Tensor) => tf.grad(f)(x).square().sum())(z);
          assert.deepEqual(second.shape, [4]);
          assertAllFinite(await read(first), "dL/dz");
          assertAllFinite(await read(second), "d²L/dz²");
          second.dispose();
        }
        tf.dispose([loss, first]);
      }
      y.dispose();
    }
    z.dispose();
  },
);

Deno.test(name("no tensor leaks"), () => {
  const z = tf.tensor2d([[40, 0, -3], [0.1, 0.2, 0.3]]);
  const labels = tf.tensor1d([0, 1], "int32");
  for (const stabilization of ["exact", "epsilon", "none"] as const) {
    for (const reduction of ["none", "mean", "sum"] as const) {
      assertNoLeak(() => {
        const options = { gamma: 0.5, stabilization, reduction, ignoreIndex: 1 };
        tf.dispose(softmaxFocalLoss(z, labels, options));
        tf.dispose(tf.grad((x: tf.Tensor) => softmaxFocalLoss(x, labels, options).sum())(z));
      }, `${stabilization}/${reduction}`);
    }
  }
  tf.dispose([z, labels]);
});

Deno.test(name("bad arguments throw RangeError/TypeError naming the parameter"), async () => {
  const z = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
  const labels = tf.tensor1d([0, 2], "int32");
  const probs = tf.tensor2d([[0, 0, 1], [1, 0, 0]]);
  const cases: [() => unknown, RegExp, ErrorConstructor][] = [
    [
      () => softmaxFocalLoss(tf.tensor2d([[1], [2]]), labels),
      /at least 2 classes.*received 1/,
      RangeError,
    ],
    [
      () => softmaxFocalLoss(z, labels, { alpha: [0.5, 0.5] }),
      /'alpha' must have one weight per class \(3\): received 2/,
      RangeError,
    ],
    [
      () => softmaxFocalLoss(z, labels, { alpha: [0.5, 1.5, 0.5] }),
      /'alpha\[1\]' must be in \[0, 1\]: received 1.5/,
      RangeError,
    ],
    [
      () => softmaxFocalLoss(z, labels, { alpha: -0.5 }),
      /'alpha' must be in \[0, 1\]: received -0.5/,
      RangeError,
    ],
    [
      () => softmaxFocalLoss(z, labels, { gamma: -2 }),
      /'gamma' must be >= 0: received -2/,
      RangeError,
    ],
    [
      () => softmaxFocalLoss(z, probs, { ignoreIndex: -1 }),
      /'ignoreIndex' applies to int32/,
      TypeError,
    ],
    [
      () => softmaxFocalLoss(z, labels, { ignoreIndex: 0.5 }),
      /'ignoreIndex' must be an integer/,
      TypeError,
    ],
    [
      () => softmaxFocalLoss(z, tf.tensor1d([0, 1, 2], "int32")),
      /int32 'targets' must have the shape .*\[2\]: received \[3\]/,
      RangeError,
    ],
    [
      () => softmaxFocalLoss(z, tf.tensor2d([[1, 0], [0, 1]])),
      /float32 'targets' must have the shape of 'logits' \[2,3\]: received \[2,2\]/,
      RangeError,
    ],
    [
      () => softmaxFocalLoss(z, tf.tensor1d([true, false], "bool")),
      /'targets' must be int32 class indices or float32 probabilities: received bool/,
      TypeError,
    ],
    [
      () => softmaxFocalLoss(z, tf.tensor1d([0, 2])),
      /class-index 'targets' must have dtype int32: received float32 of shape \[2\]/,
      TypeError,
    ],
    [
      () => softmaxFocalLoss(z.toInt(), labels),
      /'logits' must have dtype float32: received int32/,
      TypeError,
    ],
  ];
  for (const [call, message, type] of cases) {
    assert.throws(
      call,
      (e: Error) => e instanceof type && message.test(e.message),
      String(message),
    );
  }
  const outOfRange = tf.tensor1d([0, 3], "int32");
  if (BACKEND !== "webgpu") {
    assert.throws(
      () => softmaxFocalLoss(z, outOfRange, { validate: true }),
      /class indices must be integers in \[0, 2\]: received values in \[0, 3\]/,
    );
    tf.dispose(
      softmaxFocalLoss(z, tf.tensor1d([0, -1], "int32"), { validate: true, ignoreIndex: -1 }),
    );
  }
  await assert.rejects(
    validateFocalInputs(z, outOfRange, { numClasses: 3 }),
    /class indices must be integers/,
  );
  await validateFocalInputs(z, tf.tensor1d([2, -1], "int32"), { numClasses: 3, ignoreIndex: -1 });
});
