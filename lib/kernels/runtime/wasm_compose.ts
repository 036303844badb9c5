// Composing a missing wasm kernel from the backend's own kernels: run one on
// TensorInfos, and free the intermediates when the composition is done.
import * as tf from "@tensorflow/tfjs";

interface Backend {
  disposeData(dataId: unknown): void;
}

/** Runs a registered wasm kernel (inputs by name, or an array for Concat). */
export function runWasmKernel(
  name: string,
  inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[],
  backend: unknown,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, "wasm");
  if (kernel === undefined) throw new Error(`the tfjs wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({
    inputs: inputs as tf.NamedTensorInfoMap,
    backend: backend as tf.KernelBackend,
    attrs: attrs as unknown as tf.NamedAttrMap,
  }) as tf.TensorInfo;
}

/** Runs `body`; every tensor it passes to `keep` is freed afterwards (not the result). */
export function withTemporaries(
  backend: unknown,
  body: (keep: (t: tf.TensorInfo) => tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const temporaries: tf.TensorInfo[] = [];
  try {
    return body((t) => (temporaries.push(t), t));
  } finally {
    for (const t of temporaries) (backend as Backend).disposeData(t.dataId);
  }
}

/**
 * Replaces a kernel the wasm backend ships with `kernelFunc`, which gets the
 * shipped kernel to hand the cases it does not handle to. The shipped
 * kernel's setup (which binds its wasm function) is kept. Does nothing when
 * the wasm backend has not registered the kernel.
 */
export function replaceWasmKernel(
  name: string,
  kernelFunc: (
    args: Parameters<tf.KernelFunc>[0],
    shipped: tf.KernelFunc,
  ) => ReturnType<tf.KernelFunc>,
): void {
  const shipped = tf.getKernel(name, "wasm");
  if (shipped === undefined) return;
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    setupFunc: shipped.setupFunc,
    kernelFunc: (args) => kernelFunc(args, shipped.kernelFunc),
  });
}
