// The page of the browser test: bundled for the browser with `deno bundle
// --platform browser`, it loads tfjs with the wasm, webgl and webgpu backends
// and the package, and answers `runCases(backend)` with what `computeCases`
// gives and `runPrecisionRows(options)` with the precision grid's rows on
// webgl. Loaded as `/?f16=1`, it forces webgl's half-float textures
// (WEBGL_FORCE_F16_TEXTURES) before any backend is created: one page load
// per precision.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { type CaseResult, computeCases } from "./_cases.ts";
import { imageBatches } from "../../lib/data/image_batches.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import { trainBinary } from "../../lib/train/train_binary.ts";
import { optimizerOf } from "../../experiments/_train_focal.ts";
import type {
  WebglTrainingResult,
  WebglTrainingSpec,
} from "../../experiments/webgl_half_precision/training_spec.ts";
import { sigmoidFocalLoss } from "../../mod.ts";
import {
  type Figure2PrecisionOptions,
  figure2PrecisionRows,
  type PrecisionRow,
} from "../../lib/analysis/figure2_precision.ts";

setWasmPaths(new URL("/wasm/", location.href).href);
const halfFloats = new URL(location.href).searchParams.get("f16") === "1";
if (halfFloats) tf.env().set("WEBGL_FORCE_F16_TEXTURES", true);

async function use(backend: string): Promise<boolean> {
  let ok = false;
  try {
    ok = await tf.setBackend(backend);
  } catch {
    ok = false;
  }
  if (!ok) return false;
  await tf.ready();
  if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
  if (backend === "webgl") tf.env().set("WEBGL_CPU_FORWARD", false);
  return true;
}

/** Runs the cases on `backend`; null when the browser cannot start it. */
async function runCases(backend: string): Promise<CaseResult[] | null> {
  return (await use(backend)) ? computeCases() : null;
}

/** What webgl reports of itself: its float precision and texture flags. */
async function describeWebgl(): Promise<Record<string, unknown> | null> {
  if (!(await use("webgl"))) return null;
  return {
    floatPrecision: tf.backend().floatPrecision(),
    epsilon: tf.backend().epsilon(),
    forcedHalfFloats: tf.env().getBool("WEBGL_FORCE_F16_TEXTURES"),
    renderFloat32: tf.env().getBool("WEBGL_RENDER_FLOAT32_ENABLED"),
    version: tf.env().getNumber("WEBGL_VERSION"),
  };
}

/** The WebGPU adapter this browser offers: its description and whether it has `shader-f16`. */
async function describeWebgpu(): Promise<Record<string, unknown> | null> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info;
  return {
    description: info.description || `${info.vendor} ${info.architecture} ${info.device}`.trim(),
    shaderF16: adapter.features.has("shader-f16"),
    features: [...adapter.features].sort(),
  };
}

/** The precision grid's rows on webgl, at this page load's precision. */
async function runPrecisionRows(
  options: Omit<Figure2PrecisionOptions, "precision" | "backend">,
): Promise<PrecisionRow[] | null> {
  if (!(await use("webgl"))) return null;
  const precision = halfFloats ? "float16" : "float32";
  return figure2PrecisionRows({ ...options, precision, backend: "webgl" });
}

/**
 * Trains the paper's CNN (Appendix A.4) on webgl, as the MNIST experiment
 * trains it (SGD momentum, batches of 64, the run's sigmoid focal loss),
 * on the 28×28 images served as /data/images.bin and the targets at
 * `spec.targets`; null without a webgl context.
 */
async function trainOnWebgl(spec: WebglTrainingSpec): Promise<WebglTrainingResult | null> {
  if (!(await use("webgl"))) return null;
  const bytes = async (path: string) => (await fetch(path)).arrayBuffer();
  const images = new Uint8Array(await bytes("/data/images.bin"));
  const targets = new Float32Array(await bytes(spec.targets));
  const source = imageBatches({ images, shape: [28, 28, 1], targets, seed: spec.seed + 1 });
  let steps = 0;
  const data = {
    count: source.count,
    batch(indices: Int32Array) {
      steps++;
      return source.batch(indices);
    },
  };
  const model = createBinaryCnn({ size: 28, channels: 1 }, spec.seed);
  const weights = () => model.variables.map((v) => v.dataSync().slice());
  let before = weights();
  let largest: tf.Tensor = tf.keep(tf.scalar(0));
  const maxAbsLogit: number[] = [];
  const unchangedWeightShare: number[] = [];
  try {
    const outcome = await trainBinary(model, data, {
      epochs: spec.config.epochs,
      batchSize: spec.config.batchSize,
      optimizer: optimizerOf(spec.config),
      seed: spec.seed + 2,
      loss(logits, y) {
        const next = tf.keep(tf.maximum(largest, tf.max(tf.abs(logits))));
        largest.dispose();
        largest = next;
        return sigmoidFocalLoss(logits, y, { ...spec.config, reduction: "mean" }) as tf.Scalar;
      },
      async onEpoch() {
        maxAbsLogit.push((await largest.data())[0]);
        const after = weights();
        let same = 0;
        let total = 0;
        after.forEach((w, i) =>
          w.forEach((v, j) => {
            total++;
            if (v === before[i][j]) same++;
          })
        );
        unchangedWeightShare.push(same / total);
        before = after;
      },
    });
    // The NaN epoch's partial maximum too: how far the run got.
    if (outcome.status === "nan") maxAbsLogit.push((await largest.data())[0]);
    return { ...outcome, steps, maxAbsLogit, unchangedWeightShare };
  } finally {
    largest.dispose();
    model.dispose();
  }
}

Object.assign(globalThis, {
  runCases,
  runPrecisionRows,
  describeWebgl,
  describeWebgpu,
  trainOnWebgl,
});
