// Identity for the tfjs wasm backend by reference, as the cpu and webgpu
// backends do it. tfjs clones every tensor a gradient saves, and the wasm
// backend's own Identity copies the data: for the sigmoid focal loss over
// 2^20 elements that copy was ~0.3 ms of a 6.4 ms forward+backward. Tensors
// are immutable and the wasm backend counts references to its data (its
// Reshape shares data the same way), so sharing is safe.
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

/**
 * Registers the sharing Identity in place of the wasm backend's copying one,
 * once the backend is active (so that its own registration has run and none
 * of tfjs's "already registered" warnings is printed). Called by the losses
 * and the training loops; a no-op on other backends and after the first call.
 */
export function useIdentityByReference(): void {
  if (tf.getBackend() !== "wasm") return;
  if (tf.getKernel("Identity", "wasm")?.kernelFunc === identityByReference.kernelFunc) return;
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel(identityByReference);
}
