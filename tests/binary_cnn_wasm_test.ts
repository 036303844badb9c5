import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertClose, assertNoLeak, read } from "./_assert.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import {
  BINARY_CNN_FORWARD_KERNEL,
  FUSED_CNN_INPUTS,
  fusedBinaryCnnAvailable,
  setBinaryCnnKernelEnabled,
} from "../lib/kernels/training/binary_cnn_wasm.ts";

/** Logits and the gradients of Σ logits·dy for every weight, fused or composed. */
async function logitsAndGrads(
  fused: boolean,
  seed: number,
  x: tf.Tensor4D,
  dy: tf.Tensor2D,
): Promise<Float32Array[]> {
  setBinaryCnnKernelEnabled(fused);
  try {
    const [, size, , channels] = x.shape;
    const model = createBinaryCnn({ size, channels }, seed);
    assert.equal(fusedBinaryCnnAvailable(x), fused && BACKEND === "wasm");
    const logits = tf.tidy(() => model.forward(x));
    // The images are made inside the loss function: the fused op must keep
    // them for its backward pass itself (they are no input of it).
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(model.forward(tf.mul(x, 1) as tf.Tensor4D), dy)) as tf.Scalar,
      model.variables,
    );
    const out = [
      await read(logits),
      ...await Promise.all(model.variables.map((v) => read(grads[v.name]))),
    ];
    tf.dispose([logits, value, ...Object.values(grads)]);
    model.dispose();
    return out;
  } finally {
    setBinaryCnnKernelEnabled(true);
  }
}

const WHAT = ["logits", "w1", "b1", "w2", "b2", "w3", "b3", "w4", "b4", "w5", "b5"];

for (const { size, channels } of FUSED_CNN_INPUTS) {
  Deno.test(
    name(
      `the fused CNN equals the composed one on ${size}×${size}×${channels}: logits and all ten gradients`,
    ),
    async () => {
      if (BACKEND !== "wasm") {
        assert.equal(tf.getKernel(BINARY_CNN_FORWARD_KERNEL, BACKEND), undefined);
        return;
      }
      // Batch sizes: one image, an odd partial batch, the paper's 64 (MNIST) and
      // 128 (CIFAR-10). Half of each batch is blank, so that pooling windows
      // hold ties (the first maximum takes the gradient) and ReLUs sit at
      // exactly 0. Inputs in [−1, 1]: CIFAR-10's are normalized so.
      for (const [batch, seed] of [[1, 1], [7, 2], [channels === 1 ? 64 : 128, 3]]) {
        const x = tf.tidy(() => {
          const images = tf.randomUniform(
            [batch, size, size, channels],
            channels === 1 ? 0 : -1,
            1,
            "float32",
            seed,
          );
          const blank = tf.less(
            tf.range(0, batch).reshape([batch, 1, 1, 1]),
            Math.floor(batch / 2),
          );
          return tf.where(tf.broadcastTo(blank, images.shape), tf.zerosLike(images), images);
        }) as tf.Tensor4D;
        const dy = tf.randomNormal([batch, 1], 0, 1, "float32", seed + 10) as tf.Tensor2D;
        const composed = await logitsAndGrads(false, seed, x, dy);
        const fused = await logitsAndGrads(true, seed, x, dy);
        for (let i = 0; i < WHAT.length; i++) {
          const scale = composed[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          assert.ok(scale > 0, `${WHAT[i]} is all zero: the comparison would prove nothing`);
          assertClose(fused[i], composed[i], {
            rtol: 1e-4,
            atol: 1e-5 * scale,
            what: `batch ${batch}, ${WHAT[i]}`,
          });
        }
        tf.dispose([x, dy]);
      }
    },
  );
}

Deno.test({
  name: name("the fused CNN: a non-finite logit gradient reaches the gradients, no leaks"),
  // The kernels are registered for wasm only (the first test checks that).
  ignore: BACKEND !== "wasm",
  fn: () => {
    const model = createBinaryCnn({ size: 28, channels: 1 }, 4);
    const x = tf.randomUniform([5, 28, 28, 1], 0, 1, "float32", 4) as tf.Tensor4D;
    const dy = tf.tensor2d([[0.1], [NaN], [0.2], [0], [-0.3]]);
    assertNoLeak(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(model.forward(x), dy)) as tf.Scalar,
        model.variables,
      );
      // The last bias gradient is Σ dy: NaN; so is the last layer's kernel's.
      assert.ok(Number.isNaN(grads[model.variables[9].name].dataSync()[0]));
      assert.ok(grads[model.variables[8].name].dataSync().some(Number.isNaN));
      tf.dispose([value, ...Object.values(grads)]);
    }, "a fused training step");
    // Inference, with no tape, keeps nothing either.
    assertNoLeak(() => tf.dispose(model.forward(x)), "a fused forward pass");
    tf.dispose([x, dy]);
    model.dispose();
  },
});
