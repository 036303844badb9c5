// deno bench: one training step of the paper's CNN (Appendix A.4, batch 64,
// SGD with momentum (the paper's), sigmoid focal loss γ = α_t = 0.5) on
// FOCAL_BACKEND — the single-model speed that the experiments multiply.
// Images per second = 64 / time.
import * as tf from "@tensorflow/tfjs";
import { BACKEND, benchTrainingStep, QUICK } from "./_setup.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";

const BATCH = 64;

for (const stabilization of ["exact", "none"] as const) {
  benchTrainingStep({
    name: `train step, batch ${BATCH}, ${stabilization}`,
    group: `binary CNN 28x28 ${BACKEND}`,
    n: QUICK ? 3 : BACKEND === "cpu" ? 5 : 30,
    warmup: 2,
    stabilization,
    setup: () => ({
      model: createBinaryCnn({ size: 28, channels: 1 }, 1),
      x: tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D,
      y: tf.cast(tf.less(tf.randomUniform([BATCH, 1], 0, 1, "float32", 2), 0.3), "float32"),
    }),
  });
}
