import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name, RTOL } from "./_backend.ts";
import { assertClose, assertGradientsMatchCpu, read } from "./_assert.ts";
import { createUNet, unetParameterCount } from "../lib/models/unet.ts";
import { sigmoidFocalLoss } from "../mod.ts";

Deno.test(name("the U-Net has Table 5's 31,042,369 parameters"), () => {
  assert.equal(unetParameterCount(), 31_042_369);
  const small = createUNet({ width: 4 }, 1);
  assert.equal(
    small.variables.reduce((s, v) => s + v.size, 0),
    unetParameterCount({ width: 4 }),
  );
  small.dispose();
});

Deno.test(name("the U-Net maps 28×28 images to 28×28 logits, leaving nothing behind"), () => {
  const model = createUNet({ width: 2 }, 1);
  const x = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const y = model.forward(x);
  assert.deepEqual(y.shape, [2, 28, 28, 1]);
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});

Deno.test(
  name("U-Net gradients (conv, BatchNorm, max-pool, transposed conv, pad, concat) equal cpu's"),
  async () => {
    await assertGradientsMatchCpu(() => {
      const model = createUNet({ width: 2 }, 3);
      const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 4) as tf.Tensor4D;
      const y = tf.tidy(() => tf.cast(tf.greater(x, 0.5), "float32"));
      return {
        variables: model.variables,
        loss: () =>
          sigmoidFocalLoss(model.forward(x), y, {
            gamma: 0.5,
            alpha: 0.5,
            reduction: "mean",
          }) as tf.Scalar,
        dispose: () => (model.dispose(), tf.dispose([x, y])),
      };
    }, { rtol: 1e-3, atol: 1e-3 });
  },
);

Deno.test(
  name("a convolution of [a, b] equals the sum of a's and b's with their halves of the weight"),
  async () => {
    // The decoder's first convolution (lib/models/unet.ts, pairDoubleConv).
    const a = tf.randomNormal([2, 7, 7, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const b = tf.randomNormal([2, 7, 7, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 6, 4], 0, 1, "float32", 3) as tf.Tensor4D;
    const whole = tf.conv2d(tf.concat([a, b], 3) as tf.Tensor4D, w, 1, "same");
    const [wa, wb] = tf.split(w, [3, 3], 2) as tf.Tensor4D[];
    const parts = tf.add(tf.conv2d(a, wa, 1, "same"), tf.conv2d(b, wb, 1, "same"));
    assertClose(await read(parts), await read(whole), {
      rtol: 10 * RTOL,
      atol: 1e-5,
      what: "conv",
    });
    tf.dispose([a, b, w, whole, wa, wb, parts]);
  },
);
