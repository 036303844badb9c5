// A tfjs-layers model trained with the focal loss, under Deno:
//
//   deno run examples/deno/train_layers.ts
//
// An imbalanced two-class problem (about 1 positive in 10), a small
// network whose last layer outputs logits, and `layersFocalLoss` at γ = 0.5, the
// range where the original focal loss turns to NaN once predictions
// saturate; the exact mode (the default) does not.
import * as tf from "@tensorflow/tfjs";
import { layersFocalLoss } from "@focal/stability";

/** Trains for `epochs` and returns the first and last epoch's loss. */
export async function trainLayers(epochs = 30): Promise<{ first: number; last: number }> {
  const n = 512;
  const x = tf.randomNormal([n, 2], 0, 1, "float32", 7);
  // Positive where x0 + x1 > 1.8: about 10% of the points.
  const y = tf.cast(tf.greater(tf.sum(x, 1, true), 1.8), "float32");
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 16, activation: "relu" }),
      tf.layers.dense({ units: 1 }), // logits: no activation
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.5), loss: layersFocalLoss({ gamma: 0.5 }) });
  const history = await model.fit(x, y, { epochs, batchSize: 64, verbose: 0 });
  const losses = history.history.loss as number[];
  tf.dispose([x, y]);
  model.dispose();
  return { first: losses[0], last: losses[losses.length - 1] };
}

if (import.meta.main) {
  const { first, last } = await trainLayers();
  console.log(`focal loss: epoch 1 ${first.toFixed(4)}, last epoch ${last.toFixed(4)}`);
}
