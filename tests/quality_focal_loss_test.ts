import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name, RTOL } from "./_backend.ts";
import {
  assertAllFinite,
  assertClose,
  assertNoLeak,
  decode,
  read,
  valueAndGrad,
} from "./_assert.ts";
import { centralDifference, qualityFocal, sigmoid } from "./_reference.ts";
import { qualityFocalLoss, type QualityFocalLossOptions, sigmoidFocalLoss } from "../mod.ts";

// Made by tests/fixtures/make_torch_fixtures.py: |y − σ(x)|^β · BCEWithLogits
// in torch 1.13, CPU, float32.
const fixtures = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/torch_reference.json", import.meta.url)),
).quality;

async function run(x: number[], t: number[], options: QualityFocalLossOptions) {
  const logits = tf.tensor1d(x);
  const targets = tf.tensor1d(t);
  const out = await valueAndGrad((z) => qualityFocalLoss(z, targets, options), logits);
  tf.dispose([logits, targets]);
  return out;
}

Deno.test(
  name("'none' matches torch; 'exact' equals it where its gradient is finite"),
  async () => {
    for (const c of fixtures.cases) {
      const what = `β=${c.beta}`;
      const none = await run(fixtures.logits, fixtures.targets, {
        beta: c.beta,
        stabilization: "none",
      });
      assertClose(none.value, decode(c.loss), { rtol: RTOL, atol: 1e-6, what: `${what} loss` });
      assertClose(none.grad, decode(c.grad), { rtol: RTOL, atol: 1e-6, what: `${what} grad` });
      const exact = await run(fixtures.logits, fixtures.targets, { beta: c.beta });
      assertAllFinite(exact.grad, `${what} exact grad`);
      assertClose(exact.value, decode(c.loss), { rtol: RTOL, atol: 1e-6, what: `${what} loss` });
      const torchGrad = decode(c.grad);
      const finite = torchGrad.flatMap((g, i) => Number.isFinite(g) ? [i] : []);
      assertClose(finite.map((i) => exact.grad[i]), finite.map((i) => torchGrad[i]), {
        rtol: RTOL,
        atol: 1e-6,
        what: `${what} exact grad`,
      });
    }
  },
);

Deno.test(name("hard targets: the focal loss with γ = β and no α"), async () => {
  const xs = Array.from({ length: 41 }, (_, i) => -60 + 3 * i + 0.1);
  for (const t of [0, 1]) {
    for (const beta of [0, 0.5, 2]) {
      for (const stabilization of ["exact", "none"] as const) {
        const targets = tf.tensor1d(xs.map(() => t));
        const logits = tf.tensor1d(xs);
        const qfl = await valueAndGrad(
          (z) => qualityFocalLoss(z, targets, { beta, stabilization }),
          logits,
        );
        const fl = await valueAndGrad(
          (z) => sigmoidFocalLoss(z, targets, { gamma: beta, alpha: -1, stabilization }),
          logits,
        );
        const what = `t=${t} β=${beta} ${stabilization}`;
        if (stabilization === "exact") {
          assertClose(qfl.value, fl.value, { rtol: 1e-5, atol: 1e-30, what });
          assertClose(qfl.grad, fl.grad, { rtol: 1e-5, atol: 1e-30, what });
        } else {
          // |t − p| and 1 − p_t round differently near saturation; compare
          // where neither has rounded.
          const mid = xs.flatMap((x, i) => Math.abs(x) < 15 ? [i] : []);
          assertClose(mid.map((i) => qfl.grad[i]), mid.map((i) => fl.grad[i]), {
            rtol: 1e-4,
            atol: 1e-7,
            what,
          });
        }
        tf.dispose([targets, logits]);
      }
    }
  }
});

Deno.test(
  name("'exact' equals float64 values and central differences for soft targets"),
  async () => {
    const xs = Array.from({ length: 81 }, (_, i) => -40 + i + 0.31);
    for (const t of [0.1, 0.5, 0.93]) {
      for (const beta of [0.5, 1, 2]) {
        const { value, grad } = await run(xs, xs.map(() => t), { beta });
        const what = `t=${t} β=${beta}`;
        assertClose(value, xs.map((x) => qualityFocal(x, t, beta)), {
          rtol: 10 * RTOL,
          atol: 1e-30,
          what: `${what} loss`,
        });
        // Central differences are meaningless right at the cusp p = t.
        const away = xs.flatMap((x, i) => Math.abs(sigmoid(x) - t) > 1e-3 ? [i] : []);
        assertClose(
          away.map((i) => grad[i]),
          away.map((i) => centralDifference((z) => qualityFocal(z, t, beta), xs[i])),
          { rtol: 1e-3, atol: 1e-30, what: `${what} grad` },
        );
      }
    }
  },
);

Deno.test(name("on the cusp σ(x) = y: 'none' is NaN for β < 1, the others finite"), async () => {
  // σ(0) = 0.5 exactly in float32.
  for (const beta of [0.25, 0.5, 0.75]) {
    const none = await run([0, 1], [0.5, 0.5], { beta, stabilization: "none" });
    assert.ok(Number.isNaN(none.grad[0]), `β=${beta}: ${none.grad[0]}`);
    for (const stabilization of ["exact", "epsilon"] as const) {
      const { value, grad } = await run([0, 1], [0.5, 0.5], { beta, stabilization });
      assertAllFinite(grad, `β=${beta} ${stabilization}`);
      if (stabilization === "exact") assert.ok(value[0] === 0 && grad[0] === 0);
    }
  }
});

Deno.test(name("exact mode: second derivatives are finite, the cusp included"), async () => {
  const logits = tf.tensor1d([-30, -2, 0, 0.5, 3, 30]);
  const targets = tf.tensor1d([0, 0.3, 0.5, 0.9, 1, 1]);
  const f = (z: tf.Tensor) => qualityFocalLoss(z, targets, { beta: 2, reduction: "sum" });
  const second = tf.grad((z: tf.Tensor) => tf.grad(f)(z).sum())(logits);
  assertAllFinite(await read(second), "d²L/dx²");
  tf.dispose([logits, targets, second]);
});

Deno.test(name("no tensor leaks; bad β and targets are refused"), () => {
  const x = tf.tensor1d([-3, 0, 40]);
  const t = tf.tensor1d([0.2, 0.5, 1]);
  for (const stabilization of ["exact", "epsilon", "none"] as const) {
    for (const reduction of ["none", "mean", "sum"] as const) {
      assertNoLeak(() => {
        const options = { beta: 0.5, stabilization, reduction };
        tf.dispose(qualityFocalLoss(x, t, options));
        tf.dispose(tf.grad((z: tf.Tensor) => qualityFocalLoss(z, t, options).sum())(x));
      }, `${stabilization}/${reduction}`);
    }
  }
  assert.throws(() => qualityFocalLoss(x, t, { beta: -0.5 }), /'beta' must be >= 0: received -0.5/);
  assert.throws(() => qualityFocalLoss(x, t, { beta: NaN }), /'beta' must be a finite number/);
  assert.throws(() => qualityFocalLoss(x, tf.tensor1d([1, 0])), /'targets' must have the shape/);
  tf.dispose([x, t]);
});
