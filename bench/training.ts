// deno task bench:training [--quick] [--backend wasm|webgpu|cpu] [--models K]
//
// Training throughput of the paper's CNN (Appendix A.4, batch 64, sigmoid
// focal loss γ = α_t = 0.5, Adam): one model at a time, and K models of a
// grid cell in one program (lib/train/train_stacked.ts's model). Prints a
// line per measurement and, last, one JSON object:
// { backend, modelsPerProgram, aggregateImagesPerSecond, singleModelImagesPerSecond }.
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { parseBackend, settle, useBackend } from "../lib/backends/use_backend.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { createStackedBinaryCnn } from "../lib/models/stacked_binary_cnn.ts";
import { sigmoidFocalLoss } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    backend: { type: "string", default: "wasm" },
    models: { type: "string", default: "24" },
  },
});
const backend = parseBackend(values.backend);
const K = Number(values.models);
const BATCH = 64;
const steps = values.quick ? 3 : 10;
await useBackend(backend);

const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
const y = tf.cast(
  tf.less(tf.randomUniform([BATCH, 1], 0, 1, "float32", 2), 0.3),
  "float32",
) as tf.Tensor2D;
const loss = (logits: tf.Tensor2D) =>
  sigmoidFocalLoss(logits, y, { gamma: 0.5, alpha: 0.5, reduction: "mean" }) as tf.Scalar;

/** Seconds per step of `step`, after two warm-up steps. */
async function secondsPerStep(step: () => void): Promise<number> {
  for (let i = 0; i < 2; i++) step();
  await settle();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  await settle();
  return (performance.now() - start) / 1000 / steps;
}

const single = createBinaryCnn({ size: 28, channels: 1 }, 1);
const adam = tf.train.adam(1e-3);
const singleSeconds = await secondsPerStep(() =>
  adam.minimize(() => loss(single.forward(x)), false, single.variables)
);
single.dispose();
adam.dispose();
const singleModelImagesPerSecond = BATCH / singleSeconds;
console.log(
  `one model: ${(singleSeconds * 1000).toFixed(1)} ms per step, ${
    singleModelImagesPerSecond.toFixed(0)
  } images/s`,
);

const stacked = createStackedBinaryCnn(
  { size: 28, channels: 1 },
  Array.from({ length: K }, (_, k) => k),
);
const stackedAdam = tf.train.adam(1e-3);
const stackedSeconds = await secondsPerStep(() =>
  stackedAdam.minimize(
    () => {
      const logits = stacked.forward(x);
      const each = Array.from({ length: K }, (_, k) =>
        loss(tf.squeeze(tf.slice(logits, [k, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D));
      return tf.addN(each) as tf.Scalar;
    },
    false,
    stacked.variables,
  )
);
stacked.dispose();
stackedAdam.dispose();
const aggregateImagesPerSecond = (K * BATCH) / stackedSeconds;
console.log(
  `${K} models in one program: ${(stackedSeconds * 1000).toFixed(1)} ms per step, ${
    aggregateImagesPerSecond.toFixed(0)
  } model-images/s`,
);
tf.dispose([x, y]);
console.log(JSON.stringify({
  backend,
  modelsPerProgram: K,
  aggregateImagesPerSecond: Math.round(aggregateImagesPerSecond),
  singleModelImagesPerSecond: Math.round(singleModelImagesPerSecond),
}));
