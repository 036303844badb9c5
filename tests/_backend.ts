// Test harness: one test body runs on whichever backend FOCAL_BACKEND names
// (cpu, wasm, webgpu; default cpu), with a tolerance that fits its float32.
import { type BackendName, parseBackend, useBackend } from "../lib/backends/use_backend.ts";

export const BACKEND: BackendName = parseBackend(Deno.env.get("FOCAL_BACKEND") ?? "cpu");
await useBackend(BACKEND);

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
