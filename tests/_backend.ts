// Test harness: one test body runs on whichever backend FOCAL_BACKEND names
// (cpu, wasm, webgpu; default cpu), with a tolerance that fits its float32.
import "./_runtime_dir.ts";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";

export type BackendName = "cpu" | "wasm" | "webgpu";

export const BACKEND: BackendName = (Deno.env.get("FOCAL_BACKEND") ?? "cpu") as BackendName;

tf.enableProdMode();
if (!["cpu", "wasm", "webgpu"].includes(BACKEND)) {
  throw new RangeError(`FOCAL_BACKEND must be cpu, wasm or webgpu: received ${BACKEND}`);
}
if (!(await tf.setBackend(BACKEND))) {
  throw new Error(`tfjs backend ${BACKEND} could not be initialized`);
}
await tf.ready();
// Small tensors would otherwise run on the CPU and hide the GPU kernels.
if (BACKEND === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);

/**
 * Relative tolerance for float32 results against a float64 or PyTorch
 * reference. cpu and wasm round each op correctly; webgpu's exp/log/pow
 * are a few ulps off, and the errors compound through ~20 ops.
 */
export const RTOL: number = { cpu: 2e-5, wasm: 2e-5, webgpu: 2e-4 }[BACKEND];

/** Names a test after its backend, so a report says where it failed. */
export function name(title: string): string {
  return `[${BACKEND}] ${title}`;
}
