// Selecting a tfjs backend for the package's own programs (tests, benches,
// experiments). Not part of the published API: a library user picks their
// backend themselves.
import "./_runtime_dir.ts";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";

/** The backends this package is built and tested for. */
export type BackendName = "cpu" | "wasm" | "webgpu";

/** All of them, in the order reports list them. */
export const BACKENDS: readonly BackendName[] = ["cpu", "wasm", "webgpu"];

/** Narrows a string to a backend name, or throws naming what was given. */
export function parseBackend(name: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new RangeError(`backend must be one of ${BACKENDS.join(", ")}: received ${name}`);
  }
  return name as BackendName;
}

/**
 * Makes `name` the active backend, quietly (prod mode), and on webgpu keeps
 * small tensors on the GPU (`WEBGPU_CPU_FORWARD` off), so that what is
 * measured or tested is the GPU path.
 */
export async function useBackend(name: BackendName): Promise<void> {
  tf.enableProdMode();
  if (!(await tf.setBackend(name))) {
    throw new Error(`tfjs backend ${name} could not be initialized`);
  }
  await tf.ready();
  if (name === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
}

/** The adapter behind webgpu: its description, whether it is a software fallback, and whether it offers `shader-f16`. */
export async function describeAdapter(): Promise<AdapterDescription | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info;
  const limits = Object.fromEntries(ADAPTER_LIMITS.map((k) => [k, adapter.limits[k]])) as Record<
    (typeof ADAPTER_LIMITS)[number],
    number
  >;
  return {
    description: info.description || `${info.vendor} ${info.architecture} ${info.device}`.trim(),
    vendor: info.vendor,
    architecture: info.architecture,
    fallback: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      false,
    shaderF16: adapter.features.has("shader-f16"),
    limits,
  };
}

/** The adapter limits a record keeps: those that bound the kernels' and the stacks' sizes. */
export const ADAPTER_LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxComputeWorkgroupSizeX",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupsPerDimension",
] as const;

/** What a WebGPU adapter is, as records and reports give it. */
export interface AdapterDescription {
  description: string;
  vendor: string;
  architecture: string;
  /** A software fallback (llvmpipe, SwiftShader). */
  fallback: boolean;
  /** Whether the adapter offers the `shader-f16` feature. */
  shaderF16: boolean;
  limits: Record<(typeof ADAPTER_LIMITS)[number], number>;
}

/**
 * Waits until the backend has finished the work queued so far: webgpu runs
 * asynchronously, cpu and wasm have nothing pending.
 */
export async function settle(): Promise<void> {
  if (tf.getBackend() !== "webgpu") return;
  const backend = tf.backend() as unknown as {
    submitQueue(): void;
    commandEncoder: unknown;
    device: GPUDevice;
  };
  if (backend.commandEncoder !== null) backend.submitQueue();
  await backend.device.queue.onSubmittedWorkDone();
}

/**
 * `--backend auto`: webgpu when the adapter is real hardware, wasm when the
 * only adapter is a software fallback (Mesa's llvmpipe runs the paper's CNN
 * ~10× slower than wasm on the same CPU) or there is none.
 */
export async function chooseBackend(
  requested: BackendName | "auto",
): Promise<{ backend: BackendName; reason: string }> {
  if (requested !== "auto") return { backend: requested, reason: "requested" };
  const adapter = await describeAdapter();
  if (adapter === null) return { backend: "wasm", reason: "no WebGPU adapter" };
  if (adapter.fallback) {
    return {
      backend: "wasm",
      reason: `the WebGPU adapter is a software fallback (${adapter.description})`,
    };
  }
  return { backend: "webgpu", reason: `hardware WebGPU adapter: ${adapter.description}` };
}
