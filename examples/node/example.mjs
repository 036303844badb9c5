// @ts-check
// The focal losses in plain Node.js, with tfjs from npm:
//
//   npm install @focal/stability @tensorflow/tfjs @tensorflow/tfjs-backend-wasm
//   node example.mjs
//
// It prints, as JSON, the sigmoid and softmax focal losses and their
// gradients on the cpu and wasm backends, and the 2^20-element loss after
// starting two kernel threads (node:worker_threads) for the wasm kernel.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { adaptiveFocalLoss, sigmoidFocalLoss, softmaxFocalLoss } from "@focal/stability";
import { kernelThreadCount, startKernelThreads, stopKernelThreads } from "@focal/stability/threads";

/** Logits that reach the saturated region (x = 25), where the original's gradient is NaN. */
const LOGITS = [-3, -0.5, 0.2, 1.5, 25, -25];
const TARGETS = [0, 1, 1, 0, 1, 0];

/**
 * The losses and gradients on the active backend.
 * @returns {Promise<{ sigmoid: number[], sigmoidGrad: number[], softmax: number[], softmaxGrad: number[], adaptive: number[], adaptiveGrad: number[] }>}
 */
async function losses() {
  const x = tf.tensor1d(LOGITS);
  const t = tf.tensor1d(TARGETS);
  const sigmoid = (/** @type {tf.Tensor} */ z) =>
    sigmoidFocalLoss(z, t, { gamma: 0.5, alpha: 0.25, reduction: "mean" });
  const z = tf.tensor2d(LOGITS, [2, 3]);
  const labels = tf.tensor1d([1, 0], "int32");
  const softmax = (/** @type {tf.Tensor} */ s) => softmaxFocalLoss(s, labels, { gamma: 0.5 });
  // The Adaptive Focal Loss on two 1×3 masks: γ from their smoothness and foreground.
  const masks = tf.tensor3d(TARGETS, [2, 1, 3]).reshape([2, 3, 1]);
  const maskLogits = tf.tensor3d(LOGITS, [2, 3, 1]);
  const adaptive = (/** @type {tf.Tensor} */ m) => adaptiveFocalLoss(m, masks);
  const out = {
    sigmoid: Array.from(await sigmoid(x).data()),
    sigmoidGrad: Array.from(await tf.grad(sigmoid)(x).data()),
    softmax: Array.from(await softmax(z).data()),
    softmaxGrad: Array.from(await tf.grad((s) => softmax(s).sum())(z).data()),
    adaptive: Array.from(await adaptive(maskLogits).data()),
    adaptiveGrad: Array.from(await tf.grad(adaptive)(maskLogits).data()),
  };
  tf.dispose([x, t, z, labels, masks, maskLogits]);
  return out;
}

/** Runs the example and returns what it prints. */
export async function main() {
  const result = /** @type {Record<string, unknown>} */ ({});
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    await tf.ready();
    result[backend] = await losses();
  }
  // Large losses on wasm split over the kernel threads (2^17 elements and more for the sigmoid).
  const threads = await startKernelThreads(2);
  const n = 2 ** 20;
  const x = tf.randomNormal([n], 0, 4, "float32", 1);
  const t = tf.cast(tf.greater(tf.randomUniform([n], 0, 1, "float32", 2), 0.7), "float32");
  const loss = sigmoidFocalLoss(x, t, { gamma: 0.5, reduction: "mean" });
  result.threads = { threads, running: kernelThreadCount(), loss: (await loss.data())[0] };
  tf.dispose([x, t, loss]);
  stopKernelThreads();
  return result;
}

if (globalThis.process?.argv?.[1] === new URL(import.meta.url).pathname) {
  console.log(JSON.stringify(await main()));
}
