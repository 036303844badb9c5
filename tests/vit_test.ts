import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { assertGradientsMatchCpu } from "./_assert.ts";
import { createVit, vitParameterCount } from "../lib/models/vit.ts";
import { sigmoidFocalLoss } from "../mod.ts";

const TINY = { imageSize: 8, patchSize: 4, channels: 3, width: 8, depth: 2, heads: 2 };

Deno.test(name("the ViT has Table 4's 85,799,425 parameters"), () => {
  assert.equal(vitParameterCount(), 85_799_425);
  const small = createVit(TINY, 1);
  assert.equal(small.variables.reduce((s, v) => s + v.size, 0), vitParameterCount(TINY));
  small.dispose();
  assert.throws(() => createVit({ imageSize: 30, patchSize: 4 }, 1), /multiple of 'patchSize'/);
});

Deno.test(name("the ViT gives one logit per image and resizes smaller inputs"), () => {
  const model = createVit(TINY, 1);
  const x = tf.zeros([3, 4, 4, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const y = model.forward(x);
  assert.deepEqual(y.shape, [3, 1]);
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});

Deno.test(
  name("ViT gradients (attention, LayerNorm, GELU, patch embedding) equal cpu's"),
  async () => {
    await assertGradientsMatchCpu(() => {
      const model = createVit(TINY, 3);
      const x = tf.randomUniform([4, 8, 8, 3], 0, 1, "float32", 4) as tf.Tensor4D;
      const y = tf.tensor2d([[1], [0], [1], [1]]);
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
