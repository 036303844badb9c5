import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import "../lib/kernels/gradients/batch_mat_mul_wasm.ts";

/** a·b in float64 for a [m, k] and b [k, n], row-major. */
function product(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l] * b[l * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}

Deno.test(name("matMul with transposed operands equals the definition"), async () => {
  assert.ok(tf.getKernel("BatchMatMul", BACKEND) !== undefined);
  const [m, k, n] = [64, 256, 120]; // the CNN's fc1 and its gradients
  const a = tf.randomNormal([m, k], 0, 1, "float32", 7);
  const b = tf.randomNormal([k, n], 0, 1, "float32", 8);
  const expected = product(await read(a), await read(b), m, k, n);
  const aT = tf.transpose(a);
  const bT = tf.transpose(b);
  const cases: [string, tf.Tensor, tf.Tensor, boolean, boolean][] = [
    ["a·b", a, b, false, false],
    ["(aᵀ)ᵀ·b", aT, b, true, false],
    ["a·(bᵀ)ᵀ", a, bT, false, true],
    ["(aᵀ)ᵀ·(bᵀ)ᵀ", aT, bT, true, true],
    ["batch of one", aT.expandDims(0), bT.expandDims(0), true, true],
  ];
  for (const [what, x, y, ta, tb] of cases) {
    const out = tf.matMul(x, y, ta, tb);
    assert.deepEqual(out.shape.slice(-2), [m, n], what);
    assertClose(await read(out), expected, { rtol: 10 * RTOL, atol: 1e-4, what });
    out.dispose();
  }
  // A batched product (outer dimension 3) keeps the shipped path and agrees too.
  const a3 = tf.randomNormal([3, 5, 4], 0, 1, "float32", 9);
  const b3 = tf.randomNormal([3, 6, 4], 0, 1, "float32", 10);
  const batched = tf.matMul(a3, b3, false, true);
  const [av, bv] = [await read(a3), await read(b3)];
  const want = new Float64Array(3 * 5 * 6);
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 6; j++) {
        let acc = 0;
        for (let l = 0; l < 4; l++) acc += av[(s * 5 + i) * 4 + l] * bv[(s * 6 + j) * 4 + l];
        want[(s * 5 + i) * 6 + j] = acc;
      }
    }
  }
  assertClose(await read(batched), want, { rtol: 10 * RTOL, atol: 1e-5, what: "batched" });
  tf.dispose([a, b, aT, bT, a3, b3, batched]);
});
