// Rows of a tensor by index, on the wasm backend, as one memory copy per row:
// what the training loops do to make each batch (lib/train/train_binary.ts's
// batchAt). tfjs-wasm's GatherV2 computes every element's index: 1.24 ms for
// a batch of 64 MNIST images here, a quarter of a fused CNN training step;
// copying the 64 rows takes a few microseconds.
import * as tf from "@tensorflow/tfjs";
import { backendMemory, offsetOf, type WasmBackend } from "../runtime/wasm_kernel.ts";
import { kernelRegistered } from "../runtime/registered.ts";

/** Inputs x [N, ...] (float32 or int32) and indices [B] (int32); output x[indices] [B, ...]. */
export const GATHER_ROWS_KERNEL = "FocalStabilityGatherRows";

tf.registerKernel({
  kernelName: GATHER_ROWS_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend }) => {
    const wasm = backend as unknown as WasmBackend;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const count = indices.shape[0];
    const rows = x.shape[0];
    const out = wasm.makeOutput([count, ...x.shape.slice(1)], x.dtype as "float32");
    // Views after the allocation: malloc may grow (and replace) the buffer.
    const heap = new Uint8Array(backendMemory(backend).buffer);
    const index = new Int32Array(heap.buffer, offsetOf(backend, indices), count);
    const rowBytes = 4 * tf.util.sizeFromShape(x.shape.slice(1));
    const from = offsetOf(backend, x);
    const to = offsetOf(backend, out);
    for (let i = 0; i < count; i++) {
      const row = index[i];
      if (!(row >= 0 && row < rows)) {
        wasm.disposeData(out.dataId);
        throw new RangeError(`gatherRows: index ${row} is not in [0, ${rows - 1}]`);
      }
      heap.copyWithin(to + i * rowBytes, from + row * rowBytes, from + (row + 1) * rowBytes);
    }
    return out;
  },
});

/**
 * `tf.gather(x, indices)` along axis 0, by row copies on the wasm backend
 * (float32 and int32 data) and by tf.gather elsewhere. Not differentiable on
 * wasm: for data, not for weights.
 */
export function gatherRows(x: tf.Tensor, indices: Int32Array): tf.Tensor {
  return tf.tidy(() => {
    const index = tf.tensor1d(indices, "int32");
    if (
      (x.dtype === "float32" || x.dtype === "int32") && kernelRegistered(GATHER_ROWS_KERNEL)
    ) {
      return tf.engine().runKernel(GATHER_ROWS_KERNEL, { x, indices: index }) as tf.Tensor;
    }
    return tf.gather(x, index);
  });
}
