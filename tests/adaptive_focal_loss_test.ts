import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { assertAllFinite, assertClose, assertNoLeak, decode, read } from "./_assert.ts";
import { adaptiveFocalGamma, adaptiveFocalLoss, type AdaptiveFocalLossOptions } from "../mod.ts";

// Made by tests/fixtures/make_adaptive_fixtures.py: γ with numpy's
// np.gradient as the authors' code computes it, the pow form
// (torchvision.ops.sigmoid_focal_loss), the Appendix A.3 form and the
// authors' MONAI composition, torch 1.13, CPU, float32, autograd gradients.
const fixtures = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/adaptive_reference.json", import.meta.url)),
).cases;

/**
 * The loss and its gradient. webgpu cannot read synchronously here (Deno), so
 * there γ comes from the targets' values, read first.
 */
async function run(x: tf.Tensor, y: tf.Tensor, options: AdaptiveFocalLossOptions) {
  if (BACKEND === "webgpu" && options.gamma === undefined) {
    options = { ...options, gamma: adaptiveFocalGamma({ values: await y.data(), shape: y.shape }) };
  }
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => adaptiveFocalLoss(z, y, options))(x);
  const out = { value: await read(value), grad: await read(grad) };
  tf.dispose([value, grad]);
  return out;
}

Deno.test(
  name("γ from the masks as the authors' code: np.gradient smoothness + foreground"),
  () => {
    for (const c of fixtures) {
      // Values, or a tensor where reads can be synchronous.
      const y = BACKEND === "webgpu"
        ? { values: c.targets, shape: c.shape }
        : tf.tensor(c.targets, c.shape);
      const what = `[${c.shape}]`;
      assert.ok(Math.abs(adaptiveFocalGamma(y) - c.gammaFirst) < 1e-12, `${what} first`);
      const mean = adaptiveFocalGamma(y, { smoothness: "mean" });
      assert.ok(Math.abs(mean - c.gammaMean) < 1e-12, `${what} mean`);
      assert.ok(
        c.gammaFirst > 0 && c.gammaFirst < 1,
        "the unstable range: the test means something",
      );
      // Without the trailing axis of 1, the same masks.
      const flat = { values: c.targets, shape: c.shape.slice(0, -1) };
      assert.equal(adaptiveFocalGamma(flat), adaptiveFocalGamma(y));
      if (y instanceof tf.Tensor) y.dispose();
    }
  },
);

Deno.test(
  name("'none' and 'epsilon' match torch; 'exact' matches where 'none' is finite"),
  async () => {
    for (const c of fixtures) {
      const x = tf.tensor(c.logits, c.shape);
      const y = tf.tensor(c.targets, c.shape);
      for (const [key, weighting] of [["noAlpha", "none"], ["alpha025", 0.25]] as const) {
        for (const stabilization of ["none", "epsilon"] as const) {
          const ref = c[`${stabilization}_${key}`];
          const { value, grad } = await run(x, y, { weighting, stabilization });
          const what = `[${c.shape}] ${stabilization} ${key}`;
          assertClose(value, [ref.loss], { rtol: RTOL, what: `${what} loss` });
          assertClose(grad, decode(ref.grad), {
            rtol: 10 * RTOL,
            atol: 1e-8,
            what: `${what} grad`,
          });
        }
        // The exact form: the original's values and, away from the saturated
        // pixels (the first four, NaN in the pow form), its gradient.
        const ref = c[`none_${key}`];
        const { value, grad } = await run(x, y, { weighting });
        assertClose(value, [ref.loss], { rtol: RTOL, what: `exact ${key} loss` });
        assertAllFinite(grad, `exact ${key} grad`);
        const finite = decode(ref.grad).map((g, i) => Number.isFinite(g) ? i : -1).filter((i) =>
          i >= 0
        );
        assert.equal(
          finite.length,
          grad.length - 4,
          "the pow form is NaN at the 4 saturated pixels",
        );
        assertClose(finite.map((i) => grad[i]), finite.map((i) => decode(ref.grad)[i]), {
          rtol: 10 * RTOL,
          atol: 1e-8,
          what: `exact ${key} grad`,
        });
      }
      // The authors' two-channel MONAI composition: half the unweighted loss.
      const { value, grad } = await run(x, y, { weighting: "authors" });
      assertClose(value, [c.authors.loss], { rtol: RTOL, what: "authors' loss" });
      assertClose(grad, decode(c.authors.grad), {
        rtol: 10 * RTOL,
        atol: 1e-8,
        what: "authors' grad",
      });
      tf.dispose([x, y]);
    }
  },
);

Deno.test(name("a fixed γ, reductions, bad inputs, no leaks"), async () => {
  const c = fixtures[0];
  const x = tf.tensor(c.logits, c.shape);
  const y = tf.tensor(c.targets, c.shape);
  if (BACKEND === "webgpu") {
    // Masks computed on the GPU (a fresh tensor's values are still on the CPU side).
    const onGpu = tf.add(y, 0);
    assert.throws(
      () => adaptiveFocalLoss(x, onGpu),
      /cannot do here: pass gamma: adaptiveFocalGamma/,
    );
    onGpu.dispose();
  }
  const perPixel = await read(adaptiveFocalLoss(x, y, { gamma: 2, reduction: "none" }));
  assert.equal(perPixel.length, x.size);
  const mean = (await read(adaptiveFocalLoss(x, y, { gamma: 2 })))[0];
  assertClose([mean], [perPixel.reduce((s, v) => s + v, 0) / perPixel.length], { rtol: RTOL });
  assertNoLeak(() => tf.dispose(adaptiveFocalLoss(x, y, { gamma: 0.4 })), "adaptiveFocalLoss");
  assert.throws(() => adaptiveFocalLoss(x, y, { gamma: -1 }), /'gamma' must be >= 0/);
  assert.throws(() => adaptiveFocalLoss(x, y, { weighting: 1.5 }), /'weighting' as α/);
  assert.throws(
    () => adaptiveFocalLoss(x, y, { weighting: "inverse" as "none" }),
    /'weighting' must be "none", "authors"/,
  );
  assert.throws(
    () => adaptiveFocalGamma(y, { smoothness: "max" as "mean" }),
    /'smoothness' must be "first" or "mean"/,
  );
  const masks = (shape: number[]) => ({
    values: new Float32Array(shape.reduce((p, n) => p * n)),
    shape,
  });
  assert.throws(() => adaptiveFocalGamma(masks([2, 1, 5])), /each spatial axis at least 2/);
  assert.throws(() => adaptiveFocalGamma(masks([4])), /masks \[batch, \.\.\.spatial\]/);
  assert.throws(
    () => adaptiveFocalGamma({ values: [0, 1], shape: [1, 2, 2] }),
    /2 values for shape/,
  );
  assert.throws(() => adaptiveFocalLoss(x, tf.zeros([2, 12, 12, 1]), { gamma: 1 }), RangeError);
  assert.throws(() => adaptiveFocalGamma(tf.zeros([2, 3, 3], "int32")), TypeError);
  tf.dispose([x, y]);
});
