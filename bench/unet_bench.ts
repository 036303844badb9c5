// deno bench: one training step of the U-Net of Appendix A.6 (batch 64 of
// 28×28 images, SGD with momentum (the paper's), per-pixel sigmoid focal loss
// γ = α_t = 0.5) on FOCAL_BACKEND, at the widths the segmentation profiles and
// the horizon use (4, 8, 16; 64 in `paper`, GPU work). Width 16 is ~0.7 s a
// step on wasm here, so fewer timed steps; on cpu it is left out (tens of s).
// On wasm each width also runs with the kernel threads (`startKernelThreads`,
// one per logical CPU), which split our 3×3 convolutions and the loss.
import * as tf from "@tensorflow/tfjs";
import { BACKEND, benchTrainingStep, QUICK } from "./_setup.ts";
import { createUNet } from "../lib/models/unet.ts";

const BATCH = 64;

for (const width of BACKEND === "cpu" ? [4, 8] : [4, 8, 16]) {
  for (const threads of BACKEND === "wasm" ? [false, true] : [false]) {
    benchTrainingStep({
      name: `train step, batch ${BATCH}, width ${width}${threads ? ", kernel threads" : ""}`,
      group: `U-Net 28x28 ${BACKEND}, width ${width}`,
      n: QUICK ? 1 : BACKEND === "cpu" ? 2 : width >= 16 ? 4 : 10,
      warmup: 1,
      threads,
      setup: () => {
        const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
        return { model: createUNet({ width }, 1), x, y: tf.cast(tf.greater(x, 0.5), "float32") };
      },
    });
  }
}
