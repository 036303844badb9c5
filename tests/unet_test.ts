import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name, RTOL } from "./_backend.ts";
import { assertClose, assertGradientsMatchCpu, read } from "./_assert.ts";
import { createUNet, unetMultiplyAdds, unetParameterCount } from "../lib/models/unet.ts";
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

Deno.test(
  name("unetMultiplyAdds counts the forward's convolution kernels as they run"),
  async () => {
    // Independently: each Conv2D kernel the forward dispatches (3×3 and 1×1:
    // outputs × taps × input channels) and each transposed convolution
    // (Conv2DBackpropInput: its input's pixels × 4 taps × channels in × out).
    for (const width of [2, 3]) {
      const model = createUNet({ width }, 1);
      const x = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
      const info = await tf.profile(() => tf.dispose(model.forward(x)));
      let counted = 0;
      for (const k of info.kernels) {
        const filter = k.inputShapes[1] as number[];
        if (k.name === "Conv2D" || k.name === "FusedConv2D") {
          const [, h, w, o] = k.outputShapes[0] as number[];
          counted += h * w * o * filter[0] * filter[1] * filter[2];
        } else if (k.name === "Conv2DBackpropInput") {
          // Its inputs: the transposed convolution's input and the filter [k, k, out, in].
          const [, h, w, i] = k.inputShapes[0] as number[];
          counted += h * w * i * filter[0] * filter[1] * filter[2];
        }
      }
      const { forward, step } = unetMultiplyAdds({ width });
      assert.equal(forward, counted, `width ${width}`);
      assert.equal(step, 3 * forward - 9 * width * 28 * 28);
      tf.dispose([x]);
      model.dispose();
    }
    // Width 64, a step of batch 64: 97 GMAC, 194 GFLOP.
    assert.equal(Math.round(64 * unetMultiplyAdds().step / 1e9), 97);
  },
);

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
    // Width 4: every 3×3 convolution with ≤ 32 channels on wasm's FMA kernels.
    for (const width of [2, 4]) await unetGradientsMatchCpu(width);
  },
);

/** A width-`width` U-Net's loss gradients on this backend against cpu's. */
async function unetGradientsMatchCpu(width: number): Promise<void> {
  await assertGradientsMatchCpu(() => {
    const model = createUNet({ width }, 3);
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
}

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
