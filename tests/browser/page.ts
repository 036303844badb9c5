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

Object.assign(globalThis, { runCases, runPrecisionRows, describeWebgl, describeWebgpu });
