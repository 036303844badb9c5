import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { assertAllFinite, assertClose, read } from "./_assert.ts";
import {
  focalLoss,
  type FocalLossOptions,
  layersFocalLoss,
  sigmoidFocalLoss,
  softmaxFocalLoss,
} from "../mod.ts";

function linearModel(units: number, inputs: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        units,
        inputShape: [inputs],
        kernelInitializer: tf.initializers.randomNormal({ stddev: 2, seed: 3 }),
        biasInitializer: "zeros",
      }),
    ],
  });
}

/** One SGD step by hand, with the functional loss's gradient. */
async function manualStep(
  model: tf.Sequential,
  x: tf.Tensor,
  loss: (logits: tf.Tensor) => tf.Tensor,
  lr: number,
): Promise<Float32Array[]> {
  const [kernel, bias] = model.getWeights();
  const grads = tf.grads((k: tf.Tensor, b: tf.Tensor) => loss(tf.add(tf.matMul(x, k), b)))([
    kernel,
    bias,
  ]);
  const updated = [tf.sub(kernel, tf.mul(lr, grads[0])), tf.sub(bias, tf.mul(lr, grads[1]))];
  const out = [await read(updated[0]), await read(updated[1])];
  tf.dispose([...grads, ...updated]);
  return out;
}

async function assertTrainsLikeFunctional(
  options: FocalLossOptions,
  y: tf.Tensor,
  functional: (yTrue: tf.Tensor, logits: tf.Tensor) => tf.Tensor,
): Promise<void> {
  const x = tf.tensor2d([[1, 2, 3], [0, -1, 4], [3, 3, -2], [-5, 0, 1]]);
  const units = y.shape[1] as number;
  const model = linearModel(units, 3);
  model.compile({ optimizer: tf.train.sgd(0.1), loss: layersFocalLoss(options) });
  // The reported loss is the functional form's "mean".
  const evaluated = model.evaluate(x, y) as tf.Scalar;
  const logits = model.predict(x) as tf.Tensor;
  const expected = functional(y, logits);
  assertClose(await read(evaluated), await read(expected), { rtol: 1e-5, what: "loss" });
  // One step of fit equals one SGD step with the functional gradient.
  const byHand = await manualStep(model, x, (z) => functional(y, z), 0.1);
  await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
  const [kernel, bias] = model.getWeights();
  assertClose(await read(kernel), byHand[0], { rtol: 1e-5, atol: 1e-7, what: "kernel" });
  assertClose(await read(bias), byHand[1], { rtol: 1e-5, atol: 1e-7, what: "bias" });
  tf.dispose([x, evaluated, logits, expected]);
  model.dispose();
}

Deno.test(
  name("focalLoss (sigmoid) trains a tfjs-layers model exactly as the functional form"),
  async () => {
    const y = tf.tensor2d([[1], [0], [1], [0]]);
    for (const stabilization of ["exact", "epsilon", "none"] as const) {
      const options = { gamma: 0.5, alpha: 0.3, stabilization };
      await assertTrainsLikeFunctional(
        options,
        y,
        (yTrue, z) => sigmoidFocalLoss(z, yTrue, { ...options, reduction: "mean" }),
      );
    }
    y.dispose();
  },
);

Deno.test(
  name("focalLoss (softmax) trains like softmaxFocalLoss with one-hot targets"),
  async () => {
    const y = tf.oneHot(tf.tensor1d([0, 2, 1, 2], "int32"), 3).toFloat();
    const options = { activation: "softmax" as const, gamma: 0.5, alpha: [0.2, 0.3, 0.5] };
    await assertTrainsLikeFunctional(
      options,
      y,
      (yTrue, z) =>
        softmaxFocalLoss(z, yTrue, { gamma: 0.5, alpha: [0.2, 0.3, 0.5], reduction: "mean" }),
    );
    y.dispose();
  },
);

Deno.test(name("a saturating model: 'none' turns the weights NaN, 'exact' does not"), async () => {
  // Logits start at ±20 and ±24, past |x| ≈ 17 where p_t rounds to 1.
  const x = tf.tensor2d([[20], [-20], [24], [-24]]);
  const y = tf.tensor2d([[1], [0], [1], [0]]);
  const outcome: Record<string, boolean> = {};
  for (const stabilization of ["none", "exact"] as const) {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 1, inputShape: [1], kernelInitializer: "ones" })],
    });
    model.compile({
      optimizer: tf.train.sgd(1),
      loss: layersFocalLoss({ gamma: 0.5, stabilization }),
    });
    await model.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
    outcome[stabilization] = (await read(model.getWeights()[0])).every(Number.isFinite);
    if (stabilization === "exact") assertAllFinite(await read(model.getWeights()[1]), "bias");
    model.dispose();
  }
  assert.deepEqual(outcome, { none: false, exact: true });
  tf.dispose([x, y]);
});

Deno.test(name("focalLoss refuses an unknown activation and a per-class α for sigmoid"), () => {
  assert.throws(
    () => layersFocalLoss({ activation: "relu" as "sigmoid" }),
    /'activation' must be one of "sigmoid", "softmax": received "relu"/,
  );
  assert.throws(() => layersFocalLoss({ alpha: [0.1, 0.9] }), TypeError);
});

Deno.test(name("focalLoss, the deprecated name, is layersFocalLoss"), () => {
  assert.equal(focalLoss, layersFocalLoss);
});
