import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { decode } from "./_assert.ts";
import { NOT_CPU_PASS, onEmulated, PRECISION_FIXTURES } from "./_precision.ts";
import { SIGMOID_FOCAL_KERNEL } from "../lib/kernels/focal/focal_kernels.ts";
import "../mod.ts";

type Op = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
/** The ops of the fixtures, as the losses compose them in tfjs. */
const OPS: Record<string, Op> = {
  exp: (a) => tf.exp(a),
  log: (a) => tf.log(tf.abs(a)),
  reciprocal: (a) => tf.reciprocal(a),
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  pow_half: (a) => tf.pow(tf.abs(a), 0.5),
  pow_minus_0_9: (a) => tf.pow(tf.abs(a), -0.9),
};

for (const precision of ["float16", "bfloat16"] as const) {
  const reference = precision === "float16"
    ? `numpy ${PRECISION_FIXTURES.numpy}'s float16 ufuncs`
    : `PyTorch ${PRECISION_FIXTURES.torch}'s bfloat16 CPU kernels`;
  Deno.test({
    name: name(`the ${precision} emulation gives ${reference}' bits, op by op`),
    ignore: NOT_CPU_PASS,
    async fn() {
      const fixture = PRECISION_FIXTURES.ops[precision];
      await onEmulated(precision, () => {
        // Inputs are rounded on upload: the fixtures' inputs are already so.
        const a = tf.tensor1d(decode(fixture.a));
        const b = tf.tensor1d(decode(fixture.b));
        assert.deepEqual(Array.from(a.dataSync()), decode(fixture.a), "inputs");
        for (const [op, fn] of Object.entries(OPS)) {
          const got = Array.from(tf.tidy(() => fn(a, b)).dataSync());
          const expected = decode(fixture[op]);
          const differing = got.flatMap((g, i) => Object.is(g, expected[i]) ? [] : [i]);
          assert.deepEqual(
            differing.map((i) => [decode(fixture.a)[i], got[i], expected[i]]),
            [],
            `${op}: [input, ours, reference] where the bits differ`,
          );
        }
        tf.dispose([a, b]);
      });
    },
  });
}

Deno.test({
  name: name("the emulating backends: our fused kernels left out, floatPrecision by range"),
  ignore: NOT_CPU_PASS,
  async fn() {
    await onEmulated("float16", () => {
      assert.equal(tf.getKernel(SIGMOID_FOCAL_KERNEL, tf.getBackend()), undefined);
      assert.equal(tf.backend().floatPrecision(), 16);
      assert.equal(tf.backend().epsilon(), 1e-4);
      assert.deepEqual(Array.from(tf.tensor1d([70000, 0.1, 1e-9]).dataSync()), [
        Infinity,
        0.0999755859375,
        0,
      ]);
    });
    await onEmulated("bfloat16", () => {
      assert.equal(tf.backend().floatPrecision(), 32);
      // e^100 overflows float32's range, which bfloat16 shares.
      assert.deepEqual(Array.from(tf.exp(tf.tensor1d([100, 80])).dataSync()), [
        Infinity,
        5.549267267559097e34, // e^80 = 5.5406e34, to bfloat16
      ]);
    });
    await onEmulated("float16", () => {
      // webgl's half-float textures: every overflow, and every ±∞, reads back NaN.
      const got = tf.tidy(() => tf.div(tf.tensor1d([1, 300, -1]), tf.tensor1d([0, 1 / 300, 0])));
      // 300 / (1/300 in half) = 89,982 > 65,504.
      assert.deepEqual(Array.from(got.dataSync()), [NaN, NaN, NaN]);
    }, "nan");
  },
});
