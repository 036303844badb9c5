import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { read } from "./_assert.ts";
import { createBinaryCnn, parameterCounts } from "../lib/models/binary_cnn.ts";
import "../lib/kernels/gradients/conv2d_backprop_filter_wasm.ts";

Deno.test(name("the CNN has Table 2's parameters per layer and its output shape"), () => {
  assert.deepEqual(parameterCounts({ size: 28, channels: 1 }), [156, 2416, 30840, 10164, 85]);
  const model = createBinaryCnn({ size: 28, channels: 1 }, 1);
  const total = model.variables.reduce((s, v) => s + v.size, 0);
  assert.equal(total, 156 + 2416 + 30840 + 10164 + 85);
  const x = tf.zeros([64, 28, 28, 1]) as tf.Tensor4D;
  const y = model.forward(x);
  assert.deepEqual(y.shape, [64, 1]);
  tf.dispose([x, y]);
  model.dispose();
  // Table 3's fc1 (48,120 with 5×5×16 features) for 32×32 inputs.
  assert.equal(parameterCounts({ size: 32, channels: 3 })[2], 48120);
});

Deno.test(
  name("the CNN is seeded and trainable: gradients for every weight, no leaks"),
  async () => {
    const a = createBinaryCnn({ size: 28, channels: 1 }, 7);
    const b = createBinaryCnn({ size: 28, channels: 1 }, 7);
    assert.deepEqual(await read(a.variables[4]), await read(b.variables[4]));
    b.dispose();
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, "float32", 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => a.forward(x).square().mean() as tf.Scalar,
      a.variables,
    );
    assert.equal(Object.keys(grads).length, a.variables.length);
    for (const g of Object.values(grads)) {
      assert.ok((await read(g)).every(Number.isFinite));
    }
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(x);
    a.dispose();
  },
);
