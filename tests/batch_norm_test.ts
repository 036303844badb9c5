import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { assertClose, assertNoLeak, read } from "./_assert.ts";
import { batchNormRelu, batchNormTraining } from "../lib/models/_batch_norm.ts";
import { setBatchNormKernelEnabled } from "../lib/kernels/training/batch_norm_wasm.ts";

/** BatchNorm composed from tf.moments, differentiated by autograd: the definition. */
function composed(x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), scale), shift);
}

Deno.test(
  name("batchNormTraining equals its composed definition: value and every gradient"),
  async () => {
    const x = tf.mul(tf.randomNormal([4, 5, 3, 6], 0.3, 1, "float32", 1), 3) as tf.Tensor4D;
    const scale = tf.randomUniform([6], 0.5, 2, "float32", 2) as tf.Tensor1D;
    const shift = tf.randomNormal([6], 0, 1, "float32", 3) as tf.Tensor1D;
    // A loss that weighs every output differently, so no gradient term cancels.
    const weights = tf.randomNormal([4, 5, 3, 6], 0, 1, "float32", 4);
    const loss = (f: (x: tf.Tensor, s: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
      tf.grads((a: tf.Tensor, s: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, s, b), weights)));
    const ours = (a: tf.Tensor, s: tf.Tensor, b: tf.Tensor) =>
      batchNormTraining(a as tf.Tensor4D, s as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
    const [y, yRef] = [ours(x, scale, shift), composed(x, scale, shift)];
    assertClose(await read(y), await read(yRef), { rtol: 10 * RTOL, atol: 1e-5, what: "value" });
    const g = loss(ours)([x, scale, shift]);
    const gRef = loss(composed)([x, scale, shift]);
    for (const [i, label] of ["dx", "dscale", "dshift"].entries()) {
      assertClose(await read(g[i]), await read(gRef[i]), {
        rtol: 10 * RTOL,
        atol: 1e-4,
        what: label,
      });
    }
    tf.dispose([x, scale, shift, weights, y, yRef, ...g, ...gRef]);
  },
);

Deno.test(name("batchNormTraining leaves no tensors behind"), () => {
  const x = tf.randomNormal([2, 3, 3, 4]) as tf.Tensor4D;
  const scale = tf.ones([4]) as tf.Tensor1D;
  const shift = tf.zeros([4]) as tf.Tensor1D;
  assertNoLeak(() => {
    const [dx] = tf.grads((a: tf.Tensor) =>
      tf.sum(batchNormTraining(a as tf.Tensor4D, scale, shift, 1e-5))
    )([x]);
    dx.dispose();
  });
  tf.dispose([x, scale, shift]);
});

Deno.test(
  name("batchNormRelu: the wasm kernels equal BatchNorm then ReLU composed, value and gradients"),
  async () => {
    // Channels 8 (the kernel's four-lane path) and 6 (its one-lane path).
    for (const c of [8, 6]) {
      const x = tf.mul(tf.randomNormal([4, 5, 3, c], 0.3, 1, "float32", 1), 3) as tf.Tensor4D;
      const scale = tf.randomUniform([c], 0.5, 2, "float32", 2) as tf.Tensor1D;
      const shift = tf.randomNormal([c], 0, 1, "float32", 3) as tf.Tensor1D;
      const weights = tf.randomNormal([4, 5, 3, c], 0, 1, "float32", 4);
      const run = async (kernel: boolean) => {
        setBatchNormKernelEnabled(kernel);
        try {
          const f = (a: tf.Tensor, s: tf.Tensor, b: tf.Tensor) =>
            batchNormRelu(a as tf.Tensor4D, s as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
          const y = f(x, scale, shift);
          const g = tf.grads((a: tf.Tensor, s: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(f(a, s, b), weights))
          )([x, scale, shift]);
          const out = [await read(y), ...await Promise.all(g.map(read))];
          tf.dispose([y, ...g]);
          return out;
        } finally {
          setBatchNormKernelEnabled(true);
        }
      };
      const [fused, composedOut] = [await run(true), await run(false)];
      for (const [i, label] of ["value", "dx", "dscale", "dshift"].entries()) {
        assertClose(fused[i], composedOut[i], {
          rtol: 10 * RTOL,
          atol: 1e-4,
          what: `${label}, ${c} channels`,
        });
      }
      tf.dispose([x, scale, shift, weights]);
    }
    // On wasm the kernels ran: no Relu, Mean or Rsqrt in a step's profile.
    if (BACKEND === "wasm") {
      const x = tf.randomNormal([2, 3, 3, 4]) as tf.Tensor4D;
      const [s, b] = [tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D];
      const profile = await tf.profile(() => {
        const [dx] = tf.grads((a: tf.Tensor) =>
          tf.sum(batchNormRelu(a as tf.Tensor4D, s, b, 1e-5))
        )([x]);
        return dx;
      });
      for (const k of ["Relu", "Mean", "Rsqrt"]) assert.ok(!profile.kernelNames.includes(k), k);
      tf.dispose([x, s, b]);
    }
  },
);

Deno.test(name("batchNormRelu leaves no tensors behind"), () => {
  const x = tf.randomNormal([2, 3, 3, 4]) as tf.Tensor4D;
  const scale = tf.ones([4]) as tf.Tensor1D;
  const shift = tf.zeros([4]) as tf.Tensor1D;
  assertNoLeak(() => {
    const [dx] = tf.grads((a: tf.Tensor) =>
      tf.sum(batchNormRelu(a as tf.Tensor4D, scale, shift, 1e-5))
    )([x]);
    dx.dispose();
  });
  tf.dispose([x, scale, shift]);
});
