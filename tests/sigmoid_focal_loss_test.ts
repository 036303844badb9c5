import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { BACKEND, name, RTOL } from "./_backend.ts";
import {
  assertAllFinite,
  assertClose,
  assertNoLeak,
  decode,
  type Encoded,
  read,
  valueAndGrad,
} from "./_assert.ts";
import {
  centralDifference,
  dBackground,
  dForeground,
  focalLoss,
  focalLossEpsilon,
  sigmoidFocal,
} from "./_reference.ts";
import {
  type Reduction,
  sigmoidFocalLoss,
  type Stabilization,
  validateFocalInputs,
} from "../mod.ts";

// Made by tests/fixtures/make_torch_fixtures.py with Debian's torch 1.13 and
// torchvision 0.14.1 on CPU, float32 (versions are recorded in the file).
const fixtures = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/torch_reference.json", import.meta.url)),
);

const GAMMAS_FIGURE_2 = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5];

interface FixtureCase {
  input: string;
  function: "torchvision" | "appendix_a3";
  gamma: number;
  alpha: number;
  epsilon: number;
  reduction: Reduction;
  loss: Encoded[];
  grad: Encoded[];
}

async function run(
  x: number[],
  t: number[],
  options: Parameters<typeof sigmoidFocalLoss>[2],
): Promise<{ value: Float32Array; grad: Float32Array }> {
  const logits = tf.tensor1d(x);
  const targets = tf.tensor1d(t);
  const out = await valueAndGrad((z) => sigmoidFocalLoss(z, targets, options), logits);
  tf.dispose([logits, targets]);
  return out;
}

Deno.test(
  name("sigmoidFocalLoss matches torchvision and Appendix A.3 (values, gradients, NaN)"),
  async () => {
    for (const c of fixtures.cases as FixtureCase[]) {
      const { logits, targets } = fixtures.inputs[c.input];
      const stabilization: Stabilization = c.function === "torchvision" ? "none" : "epsilon";
      const { value, grad } = await run(logits, targets, {
        alpha: c.alpha,
        gamma: c.gamma,
        reduction: c.reduction,
        stabilization,
        epsilon: c.epsilon,
      });
      const what = `${c.function} ${c.input} γ=${c.gamma} α=${c.alpha} ${c.reduction}`;
      assertClose(value, decode(c.loss), { rtol: RTOL, atol: 1e-6, what: `${what} loss` });
      assertClose(grad, decode(c.grad), { rtol: RTOL, atol: 1e-6, what: `${what} grad` });
    }
  },
);

Deno.test(
  name("exact mode: torchvision's values, and its gradient wherever that is finite"),
  async () => {
    for (const c of fixtures.cases as FixtureCase[]) {
      if (c.function !== "torchvision") continue;
      const { logits, targets } = fixtures.inputs[c.input];
      const { value, grad } = await run(logits, targets, {
        alpha: c.alpha,
        gamma: c.gamma,
        reduction: c.reduction,
      });
      const what = `exact ${c.input} γ=${c.gamma} α=${c.alpha} ${c.reduction}`;
      assertAllFinite(grad, `${what} grad`);
      assertClose(value, decode(c.loss), { rtol: RTOL, atol: 1e-6, what: `${what} loss` });
      const torchGrad = decode(c.grad);
      const finite = torchGrad.map((g, i) => Number.isFinite(g) ? i : -1).filter((i) => i >= 0);
      assertClose(finite.map((i) => grad[i]), finite.map((i) => torchGrad[i]), {
        rtol: RTOL,
        atol: 1e-6,
        what: `${what} grad`,
      });
    }
  },
);

Deno.test(name("Figure 2 grid: 'none' is non-finite exactly where torchvision is"), async () => {
  const { start, stop, count, alpha, masks } = fixtures.grid;
  const grid = Array.from({ length: count }, (_, i) => start + (i * (stop - start)) / (count - 1));
  for (const { gamma, target, nonFinite } of masks) {
    const targets = grid.map(() => target);
    for (const stabilization of ["none", "epsilon", "exact"] as const) {
      const { grad } = await run(grid, targets, { alpha, gamma, stabilization });
      const mask = Array.from(grad, (g) => Number.isFinite(g) ? "0" : "1").join("");
      if (stabilization === "none") {
        assert.equal(mask, nonFinite, `γ=${gamma} t=${target}: NaN mask differs from torchvision`);
      } else {
        assert.ok(
          !mask.includes("1"),
          `γ=${gamma} t=${target} ${stabilization}: non-finite gradient`,
        );
      }
    }
  }
  assert.deepEqual(
    (masks as { gamma: number }[]).map((m) => m.gamma).filter((_, i) => i % 2 === 0),
    GAMMAS_FIGURE_2,
  );
});

Deno.test(
  name("Eq. (4), (5), (12), (13) equal central differences of Eq. (2) and (11) in float64"),
  () => {
    for (const gamma of GAMMAS_FIGURE_2) {
      for (const epsilon of [0, 1e-3]) {
        for (let p = 0.01; p < 1; p += 0.0245) {
          const fg = (q: number) => focalLossEpsilon(q, 1, gamma, 0.5, epsilon);
          const bg = (q: number) => focalLossEpsilon(q, 0, gamma, 0.5, epsilon);
          const h = 1e-6;
          const dFg = (fg(p + h) - fg(p - h)) / (2 * h);
          const dBg = (bg(p + h) - bg(p - h)) / (2 * h);
          assertClose([dForeground(p, gamma, 0.5, epsilon)], [dFg], { rtol: 1e-6, atol: 1e-8 });
          assertClose([dBackground(p, gamma, 0.5, epsilon)], [dBg], { rtol: 1e-6, atol: 1e-8 });
        }
      }
      // Eq. (2) and Eq. (11) with ε = 0 are the same function.
      assert.equal(focalLoss(0.3, 1, gamma, 0.5), focalLossEpsilon(0.3, 1, gamma, 0.5, 0));
    }
    // Eq. (8), (9): undefined at p = 1 (foreground) and p = 0 (background) for
    // 0 < γ < 1; Eq. (16), (17): ε makes them −α_t·√ε and (1 − α_t)·√ε at γ = 0.5.
    for (const gamma of [0.1, 0.5, 0.9]) {
      assert.ok(Number.isNaN(dForeground(1, gamma, 0.5)));
      assert.ok(Number.isNaN(dBackground(0, gamma, 0.5)));
    }
    assertClose([dForeground(1, 0.5, 0.5, 1e-3)], [-0.5 * Math.sqrt(1e-3)], { rtol: 1e-12 });
    assertClose([dBackground(0, 0.5, 0.5, 1e-3)], [0.5 * Math.sqrt(1e-3)], { rtol: 1e-12 });
  },
);

Deno.test(name("exact gradient equals float64 central differences, from −60 to 60"), async () => {
  const xs = Array.from({ length: 121 }, (_, i) => i - 60 + 0.37);
  for (const gamma of [0, 0.1, 0.5, 0.9, 1, 2, 5]) {
    for (const t of [0, 1, 0.3, 0.75]) {
      for (const alpha of [0.25, -1]) {
        const { value, grad } = await run(xs, xs.map(() => t), { alpha, gamma });
        const refValue = xs.map((x) => sigmoidFocal(x, t, alpha, gamma));
        const refGrad = xs.map((x) =>
          centralDifference((z) => sigmoidFocal(z, t, alpha, gamma), x)
        );
        const what = `γ=${gamma} t=${t} α=${alpha}`;
        assertClose(value, refValue, { rtol: 10 * RTOL, atol: 1e-35, what: `${what} loss` });
        assertClose(grad, refGrad, { rtol: 10 * RTOL, atol: 1e-35, what: `${what} grad` });
      }
    }
  }
});

Deno.test(name("a confidently wrong logit keeps its full gradient −α_t"), async () => {
  for (const stabilization of ["exact", "epsilon", "none"] as const) {
    const { grad } = await run([-60, -100], [1, 1], { alpha: 0.25, gamma: 0.5, stabilization });
    assertClose(grad, [-0.25, -0.25], { rtol: 2e-3, what: stabilization });
  }
});

Deno.test(name("exact mode: second derivatives are finite and match differences"), async () => {
  const xs = Array.from({ length: 161 }, (_, i) => -40 + i * 0.5);
  for (const gamma of [0.1, 0.5, 0.9, 2]) {
    const targets = tf.tensor1d(xs.map((_, i) => i % 2));
    const logits = tf.tensor1d(xs);
    const f = (z: tf.Tensor) => sigmoidFocalLoss(z, targets, { gamma, reduction: "sum" });
    const second = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(logits);
    const values = await read(second);
    assertAllFinite(values, `γ=${gamma} d²L/dx²`);
    const t = xs.map((_, i) => i % 2);
    const inner = xs.map((x, i) =>
      Math.abs(x) <= 5
        ? centralDifference(
          (z) => centralDifference((w) => sigmoidFocal(w, t[i], 0.25, gamma), z),
          x,
        )
        : NaN
    );
    inner.forEach((ref, i) => {
      if (!Number.isNaN(ref)) {
        assertClose([values[i]], [ref], { rtol: 1e-2, atol: 1e-5, what: `γ=${gamma} x=${xs[i]}` });
      }
    });
    tf.dispose([targets, logits, second]);
  }
});

Deno.test(name("properties of exact mode (fast-check)"), async () => {
  // Targets on a 1/64 grid so that 1 − t is exact in float32.
  const target = fc.oneof(
    fc.constantFrom(0, 1),
    fc.integer({ min: 0, max: 64 }).map((k) => k / 64),
  );
  const logit = fc.double({ min: -60, max: 60, noNaN: true }).map(Math.fround);
  const sample = fc.array(fc.tuple(logit, target), { minLength: 1, maxLength: 24 });
  const gamma = fc.oneof(fc.constantFrom(0, 0.5, 1, 2), fc.double({ min: 0, max: 5, noNaN: true }));
  const alpha = fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1, noNaN: true }));
  await fc.assert(
    fc.asyncProperty(sample, gamma, alpha, async (pairs, g, a) => {
      const xs = pairs.map(([x]) => x);
      const ts = pairs.map(([, t]) => t);
      const exact = await run(xs, ts, { gamma: g, alpha: a });
      assertAllFinite(exact.value, "loss");
      assertAllFinite(exact.grad, "grad");
      // Agreement with the original wherever its gradient is finite and its
      // float32 composition has not rounded p_t (|x| < 12).
      const original = await run(xs, ts, { gamma: g, alpha: a, stabilization: "none" });
      xs.forEach((x, i) => {
        if (Math.abs(x) < 12 && Number.isFinite(original.grad[i])) {
          assertClose([exact.grad[i]], [original.grad[i]], {
            rtol: 1e-3,
            atol: 1e-5,
            what: "grad",
          });
          assertClose([exact.value[i]], [original.value[i]], {
            rtol: 1e-3,
            atol: 1e-5,
            what: "loss",
          });
        }
      });
      // Symmetry (x, t, α) ↔ (−x, 1 − t, 1 − α).
      const mirrored = await run(xs.map((x) => -x), ts.map((t) => 1 - t), {
        gamma: g,
        alpha: a < 0 ? a : 1 - a,
      });
      assertClose(mirrored.value, exact.value, {
        rtol: 10 * RTOL,
        atol: 1e-30,
        what: "mirrored loss",
      });
      assertClose(mirrored.grad, Array.from(exact.grad, (v) => -v), {
        rtol: 10 * RTOL,
        atol: 1e-30,
        what: "mirrored grad",
      });
      // Reductions agree with "none".
      const total = exact.value.reduce((s, v) => s + v, 0);
      const sum = await run(xs, ts, { gamma: g, alpha: a, reduction: "sum" });
      const mean = await run(xs, ts, { gamma: g, alpha: a, reduction: "mean" });
      assertClose(sum.value, [total], { rtol: 1e-5, atol: 1e-6, what: "sum" });
      assertClose(mean.value, [total / xs.length], { rtol: 1e-5, atol: 1e-6, what: "mean" });
      assertClose(mean.grad, Array.from(sum.grad, (v) => v / xs.length), {
        rtol: 1e-5,
        atol: 1e-12,
        what: "mean grad",
      });
    }),
    { numRuns: 40, seed: 20240601 },
  );
});

Deno.test(name("no tensor leaks, and gradients survive an enclosing tf.tidy"), async () => {
  const logits = tf.tensor1d([-20, -1, 0, 3, 40]);
  for (const stabilization of ["exact", "epsilon", "none"] as const) {
    for (const reduction of ["none", "mean", "sum"] as const) {
      assertNoLeak(() => {
        const targets = tf.tensor1d([0, 1, 0.5, 1, 1]);
        tf.dispose(sigmoidFocalLoss(logits, targets, { gamma: 0.5, stabilization, reduction }));
        const g = tf.grad((z: tf.Tensor) =>
          sigmoidFocalLoss(z, targets, { gamma: 0.5, stabilization, reduction }).sum()
        )(logits);
        g.dispose();
        targets.dispose();
      }, `${stabilization}/${reduction}`);
    }
    // The targets are made, used and disposed inside the tidy; the gradient
    // runs after it, and must still be right.
    const f = (z: tf.Tensor) =>
      tf.tidy(() => sigmoidFocalLoss(z, tf.onesLike(z), { gamma: 0.5, stabilization }).sum());
    const before = tf.memory().numTensors;
    const g = tf.grad(f)(logits);
    const { grad: expected } = await run([-20, -1, 0, 3, 40], [1, 1, 1, 1, 1], {
      gamma: 0.5,
      stabilization,
    });
    assertClose(await read(g), expected, { rtol: 1e-6, what: stabilization });
    g.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
  logits.dispose();
});

Deno.test(name("an empty input gives an empty loss, and mean/sum 0"), async () => {
  const empty = tf.tensor1d([]);
  assert.deepEqual(sigmoidFocalLoss(empty, empty).shape, [0]);
  for (const reduction of ["mean", "sum"] as const) {
    for (const stabilization of ["exact", "none"] as const) {
      const { value, grad } = await valueAndGrad(
        (z) => sigmoidFocalLoss(z, empty, { reduction, stabilization }),
        empty,
      );
      assert.deepEqual(Array.from(value), [0]);
      assert.equal(grad.length, 0);
    }
  }
  empty.dispose();
});

Deno.test(name("bad arguments throw RangeError/TypeError naming the parameter"), async () => {
  const x = tf.tensor1d([0.5, -1]);
  const t = tf.tensor1d([1, 0]);
  const bad: [Parameters<typeof sigmoidFocalLoss>[2], RegExp, ErrorConstructor][] = [
    [{ gamma: -1 }, /'gamma' must be >= 0: received -1/, RangeError],
    [{ gamma: NaN }, /'gamma' must be a finite number: received NaN/, RangeError],
    [{ gamma: Infinity }, /'gamma' must be a finite number/, RangeError],
    [{ alpha: 1.5 }, /'alpha' must be in \[0, 1\].*received 1.5/, RangeError],
    [{ alpha: NaN }, /'alpha' must be a finite number/, RangeError],
    [{ epsilon: -1e-3 }, /'epsilon' must be >= 0: received -0.001/, RangeError],
    [{ epsilon: Infinity }, /'epsilon' must be a finite number/, RangeError],
    [
      { reduction: "avg" as Reduction },
      /'reduction' must be one of "none", "mean", "sum": received "avg"/,
      RangeError,
    ],
    [
      { stabilization: "eps" as Stabilization },
      /'stabilization' must be one of .*received "eps"/,
      RangeError,
    ],
  ];
  for (const [options, message, type] of bad) {
    assert.throws(
      () => sigmoidFocalLoss(x, t, options),
      (e: Error) => e instanceof type && message.test(e.message),
    );
  }
  assert.throws(() => sigmoidFocalLoss([0.5] as unknown as tf.Tensor, t), TypeError);
  assert.throws(
    () => sigmoidFocalLoss(x, tf.tensor1d([1, 0], "int32")),
    /'targets' must have dtype float32: received int32/,
  );
  assert.throws(
    () => sigmoidFocalLoss(x, tf.tensor1d([1, 0, 1])),
    /'targets' must have the shape of 'logits' \[2\]: received \[3\]/,
  );
  // Contents are checked only on request; webgpu cannot read synchronously,
  // so there 'validate: true' says to use validateFocalInputs instead.
  const outOfRange = tf.tensor1d([1.5, 0]);
  tf.dispose(sigmoidFocalLoss(x, outOfRange));
  if (BACKEND === "webgpu") {
    assert.throws(
      () => sigmoidFocalLoss(x, outOfRange, { validate: true }),
      (e: Error) => e instanceof TypeError && /validateFocalInputs/.test(e.message),
    );
  } else {
    assert.throws(
      () => sigmoidFocalLoss(x, outOfRange, { validate: true }),
      /'targets' must lie in \[0, 1\]: received values in \[0, 1.5\]/,
    );
    assert.throws(
      () => sigmoidFocalLoss(tf.tensor1d([NaN, 0]), t, { validate: true }),
      /'logits' must be finite/,
    );
    tf.dispose(sigmoidFocalLoss(x, t, { validate: true }));
  }
  await assert.rejects(
    validateFocalInputs(x, outOfRange),
    /'targets' must lie in \[0, 1\]: received values in \[0, 1.5\]/,
  );
  await assert.rejects(
    validateFocalInputs(tf.tensor1d([Infinity, 0]), t),
    /'logits' must be finite/,
  );
  await validateFocalInputs(x, t);
  // A negative α switches the weighting off, as in torchvision.
  const off = await read(sigmoidFocalLoss(x, t, { alpha: -1, gamma: 0 }));
  assertClose(off, [Math.log1p(Math.exp(-0.5)), Math.log1p(Math.exp(-1))], { rtol: 1e-6 });
});
