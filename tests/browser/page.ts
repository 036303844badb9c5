// The page of the browser test: bundled for the browser with `deno bundle
// --platform browser`, it loads tfjs with the wasm and webgpu backends and
// the package, and answers `runCases(backend)` with what `computeCases` gives.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { type CaseResult, computeCases } from "./_cases.ts";

setWasmPaths(new URL("/wasm/", location.href).href);

/** Runs the cases on `backend`; null when the browser cannot start it. */
async function runCases(backend: string): Promise<CaseResult[] | null> {
  let ok = false;
  try {
    ok = await tf.setBackend(backend);
  } catch {
    ok = false;
  }
  if (!ok) return null;
  await tf.ready();
  if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
  return computeCases();
}

(globalThis as unknown as { runCases: typeof runCases }).runCases = runCases;
