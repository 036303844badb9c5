// Identity for the tfjs wasm backend by reference, as the cpu and webgpu
// backends do it. tfjs clones every tensor a gradient saves, and the wasm
// backend's own Identity copies the data: measured here (scratch timing of
// forward+backward on wasm), a sigmoid focal loss over 2^16 elements took
// 0.50 ms with sharing and 0.58 ms with copying, 2^20 with "mean" 5.23 and
// 5.34 ms, 2^12 the same. Tensors are immutable and the wasm backend counts
// references to its data (its Reshape shares data the same way), so sharing
// is safe.
//
// Scoped: the losses run their own ops inside `withIdentityByReference`,
// which puts tfjs's Identity back afterwards; nothing else in the process
// sees the change. The swap costs ~8 µs a call (2^12 elements: 36.5 µs
// unscoped, 44.4 scoped), more than a small copy, so the losses ask for it
// only from SHARE_FROM_ELEMENTS.
import * as tf from "@tensorflow/tfjs";

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

const identityByReference: tf.KernelConfig = {
  kernelName: "Identity",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") throw new Error("the wasm backend holds no string tensors");
    (backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

/** Inputs at least this large are worth the swap (a copy of 128 KiB). */
export const SHARE_FROM_ELEMENTS = 2 ** 15;

/**
 * Runs `f` with the sharing Identity in place of the wasm backend's copying
 * one, and restores tfjs's after it returns or throws. On other backends (or
 * when already inside) it just runs `f`.
 */
export function withIdentityByReference<T>(f: () => T): T {
  if (tf.getBackend() !== "wasm") return f();
  const original = tf.getKernel("Identity", "wasm");
  if (original === undefined || original.kernelFunc === identityByReference.kernelFunc) return f();
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel(identityByReference);
  try {
    return f();
  } finally {
    tf.unregisterKernel("Identity", "wasm");
    tf.registerKernel(original);
  }
}
