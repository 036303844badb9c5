import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name, RTOL } from "./_backend.ts";
import { assertAllFinite, assertClose, assertNoLeak, decode, read } from "./_assert.ts";
import { unifiedFocal } from "./_reference.ts";
import { NOT_CPU_PASS, onEmulated } from "./_precision.ts";
import { rounderOf } from "../lib/precision/round_to_precision.ts";
import { unifiedFocalLoss, type UnifiedFocalLossOptions } from "../mod.ts";

// Made by tests/fixtures/make_torch_fixtures.py: Yeung et al.'s asymmetric
// unified focal loss from logits (no clipping) in torch 1.13, CPU, float32.
const fixtures = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/torch_reference.json", import.meta.url)),
).unified;

async function run(x: tf.Tensor, y: tf.Tensor, options: UnifiedFocalLossOptions) {
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => unifiedFocalLoss(z, y, options))(x);
  const out = { value: await read(value), grad: await read(grad) };
  tf.dispose([value, grad]);
  return out;
}

Deno.test(name("'none' and 'exact' match torch on a random batch"), async () => {
  const x = tf.tensor(fixtures.logits, fixtures.shape);
  const y = tf.tensor(fixtures.targets, fixtures.shape);
  const { weight, delta } = fixtures;
  for (const c of fixtures.cases) {
    for (const stabilization of ["none", "exact"] as const) {
      const { value, grad } = await run(x, y, { weight, delta, gamma: c.gamma, stabilization });
      const what = `γ=${c.gamma} ${stabilization}`;
      assertClose(value, decode(c.loss), { rtol: RTOL, what: `${what} loss` });
      assertClose(grad, decode(c.grad), { rtol: 10 * RTOL, atol: 1e-7, what: `${what} grad` });
    }
  }
  tf.dispose([x, y]);
});

Deno.test(
  name("saturated predictions: 'none' is NaN for γ < 1, 'epsilon' and 'exact' are not"),
  async () => {
    const mask = tf.tensor4d([1, 1, 0, 0, 1, 0, 0, 0], [2, 2, 2, 1]);
    for (const scale of [20, 200]) {
      const x = tf.mul(tf.sub(tf.mul(mask, 2), 1), scale);
      for (const gamma of [0.25, 0.5, 0.75]) {
        const none = await run(x, mask, { gamma, stabilization: "none" });
        assert.ok(none.grad.some(Number.isNaN), `scale ${scale} γ=${gamma}: no NaN`);
        for (const stabilization of ["epsilon", "exact"] as const) {
          const { value, grad } = await run(x, mask, { gamma, stabilization });
          assertAllFinite(value, `${stabilization} loss`);
          assertAllFinite(grad, `${stabilization} grad`);
        }
      }
      x.dispose();
    }
    mask.dispose();
  },
);

Deno.test(
  name("'none' raises 1 − (1 − p) to γ, as the reference code: singular from p < 2^−25"),
  async () => {
    // A background pixel at logit x beside a foreground one. 1 − (1 − p) is
    // 0 in float32 once p < 2^−25 (x < −17.3): the original's gradient is NaN
    // at x = −19, though p = 5.6e-9 and p^γ would be finite; at x = −16 not.
    const mask = tf.tensor2d([[1, 0]]);
    for (const [x, singular] of [[-16, false], [-19, true]] as const) {
      const logits = tf.tensor2d([[2, x]]);
      const none = await run(logits, mask, { gamma: 0.5, stabilization: "none" });
      assert.equal(Number.isNaN(none.grad[1]), singular, `x = ${x}: ${none.grad[1]}`);
      const exact = await run(logits, mask, { gamma: 0.5 });
      assertAllFinite(exact.grad, `exact at x = ${x}`);
      logits.dispose();
    }
    mask.dispose();
  },
);

Deno.test(name("'exact' equals float64 values and central differences"), async () => {
  const images = [
    [2.5, -1, 0.3, -4, 6, -0.5, 1.2, -2.2, 0.1],
    [-3, 4, -0.2, 0.7, -6, 2, 0, -1.5, 3.3],
  ];
  const masks = [
    [1, 0, 1, 0, 1, 0, 1, 0, 0],
    [0, 1, 0, 1, 0, 1, 0, 0, 1],
  ];
  for (const gamma of [0.2, 0.5, 1]) {
    const options = { weight: 0.4, delta: 0.7, gamma };
    const x = tf.tensor2d(images);
    const y = tf.tensor2d(masks);
    const { value, grad } = await run(x, y, options);
    const f = (v: number[][]) => unifiedFocal(v, masks, 0.4, 0.7, gamma);
    assertClose(value, [f(images)], { rtol: 10 * RTOL, what: `γ=${gamma} loss` });
    images.forEach((row, b) =>
      row.forEach((_, i) => {
        const h = 1e-5;
        const shifted = (d: number) =>
          images.map((r, bb) => r.map((v, ii) => bb === b && ii === i ? v + d : v));
        const fd = (f(shifted(h)) - f(shifted(-h))) / (2 * h);
        assertClose([grad[b * 9 + i]], [fd], {
          rtol: 2e-3,
          atol: 1e-6,
          what: `γ=${gamma} d/dx[${b},${i}]`,
        });
      })
    );
    tf.dispose([x, y]);
  }
});

Deno.test(name("no tensor leaks; λ, δ, γ and shapes are checked"), () => {
  const x = tf.tensor3d([[[1], [-2]], [[3], [0]]]);
  const y = tf.tensor3d([[[1], [0]], [[1], [1]]]);
  for (const stabilization of ["exact", "epsilon", "none"] as const) {
    assertNoLeak(() => {
      tf.dispose(unifiedFocalLoss(x, y, { stabilization }));
      tf.dispose(tf.grad((z: tf.Tensor) => unifiedFocalLoss(z, y, { stabilization }))(x));
    }, stabilization);
  }
  const cases: [UnifiedFocalLossOptions, RegExp][] = [
    [{ gamma: 0 }, /'gamma' must be in \(0, 1\]: received 0/],
    [{ gamma: 1.5 }, /'gamma' must be in \(0, 1\]: received 1.5/],
    [{ delta: -0.1 }, /'delta' must be in \[0, 1\]: received -0.1/],
    [{ weight: 2 }, /'weight' must be in \[0, 1\]: received 2/],
    [{ epsilon: -1 }, /'epsilon' must be >= 0: received -1/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => unifiedFocalLoss(x, y, options),
      (e: Error) => e instanceof RangeError && message.test(e.message),
    );
  }
  assert.throws(() => unifiedFocalLoss(tf.tensor1d([1]), tf.tensor1d([1])), /batch axis/);
  tf.dispose([x, y]);
});

Deno.test({
  name: name(
    "half precision (emulated float16, bfloat16): 'exact' is finite and close to float64 on saturated images, 'none' is NaN",
  ),
  ignore: NOT_CPU_PASS,
  async fn() {
    // 77 images of 2×2 pixels, [x, −x, 8, −8] with mask [1, 0, 1, 0], x on
    // Figure 2's grid every 1 logit: half the images predicted confidently
    // right, half confidently wrong.
    const xs = Array.from({ length: 77 }, (_, i) => i - 38);
    const images = xs.map((x) => [x, -x, 8, -8]);
    const masks = xs.map(() => [1, 0, 1, 0]);
    for (const precision of ["float16", "bfloat16"] as const) {
      const round = rounderOf(precision);
      const stored = images.map((image) => image.map(round));
      for (const gamma of [0.1, 0.5, 0.9]) {
        const reference = (z: number[][]) => unifiedFocal(z, masks, 0.5, 0.6, gamma);
        const { value, grad } = await onEmulated(precision, async () => {
          const x = tf.tensor4d(images.flat(), [77, 2, 2, 1]);
          const y = tf.tensor4d(masks.flat(), [77, 2, 2, 1]);
          const exact = await run(x, y, { gamma, stabilization: "exact" });
          const none = await run(x, y, { gamma, stabilization: "none" });
          assert.ok(none.grad.some(Number.isNaN), `${precision} γ=${gamma}: 'none' has no NaN`);
          tf.dispose([x, y]);
          return exact;
        });
        assertAllFinite(value, `${precision} γ=${gamma} loss`);
        assertAllFinite(grad, `${precision} γ=${gamma} grad`);
        // The loss within 4 of the precision's roundoffs of float64 (at the stored inputs).
        const truth = reference(stored);
        const roundoff = { float16: 2 ** -11, bfloat16: 2 ** -8 }[precision];
        assert.ok(
          Math.abs(value[0] - truth) <= 4 * roundoff * truth,
          `${precision}: ${value[0]} vs ${truth}`,
        );
        // Each gradient entry against a central difference of the float64 loss.
        stored.flat().forEach((_, k) => {
          const at = (h: number) =>
            reference(stored.map((image, b) => image.map((v, i) => (b * 4 + i === k ? v + h : v))));
          const g64 = (at(1e-6) - at(-1e-6)) / 2e-6;
          assert.ok(
            Math.abs(grad[k] - g64) <= 16 * roundoff * Math.abs(g64) + 1e-6,
            `${precision} γ=${gamma} pixel ${k}: ${grad[k]} vs ${g64}`,
          );
        });
      }
    }
  },
});
