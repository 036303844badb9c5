// The Unified Focal Loss kernels on the wasm backend: a SIMD module of our
// own (lib/kernels/assembly/unified_focal.ts) that reads and writes the
// backend's tensors in place; large calls split by images across the kernel
// threads when they were started.
import * as tf from "@tensorflow/tfjs";
import {
  UNIFIED_FOCAL_GRAD_KERNEL,
  UNIFIED_FOCAL_SUMS_KERNEL,
  type UnifiedKernelAttrs,
} from "./focal_kernels.ts";
import { UNIFIED_FOCAL_WASM_BASE64 } from "../generated/unified_focal_wasm.ts";
import {
  backendMemory,
  kernelModule,
  offsetOf,
  registerIfCompiles,
  type WasmBackend,
} from "../runtime/wasm_kernel.ts";
import { runMaybeSplit } from "../threads/kernel_split.ts";

interface KernelExports {
  unifiedFocalSums(
    x: number,
    t: number,
    sums: number,
    images: number,
    pixels: number,
    exact: number,
    delta: number,
    gamma: number,
    epsilon: number,
  ): void;
  unifiedFocalGrad(
    x: number,
    t: number,
    coefficients: number,
    grad: number,
    images: number,
    pixels: number,
    exact: number,
    delta: number,
    gamma: number,
    epsilon: number,
    singularBelow: number,
  ): void;
}

const kernelFor = kernelModule<KernelExports>(UNIFIED_FOCAL_WASM_BASE64);

registerIfCompiles(UNIFIED_FOCAL_WASM_BASE64, {
  kernelName: UNIFIED_FOCAL_SUMS_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
    const a = attrs as unknown as UnifiedKernelAttrs;
    const images = x.shape[0];
    // Allocate first: malloc may grow (and move) the heap.
    const sums = (backend as unknown as WasmBackend).makeOutput([images, 5], "float32");
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    const memory = backendMemory(backend);
    const pixels = tf.util.sizeFromShape(x.shape) / images;
    const scalars = [Number(a.exact), a.delta, a.gamma, a.epsilon];
    // Large calls are split by images across the kernel threads, when started.
    runMaybeSplit({
      loss: "unified",
      memory,
      kernel: "unifiedFocalSums",
      units: images,
      align: 1,
      inputs: [{ ptr: at(x), width: pixels }, { ptr: at(t), width: pixels }],
      outputs: [{ ptr: at(sums), width: 5 }],
      args: (count) => [count, pixels, ...scalars],
      local: (count) => {
        kernelFor(memory).unifiedFocalSums(
          at(x),
          at(t),
          at(sums),
          count,
          pixels,
          ...scalars as [
            number,
            number,
            number,
            number,
          ],
        );
        return 0;
      },
    });
    return sums;
  },
});

registerIfCompiles(UNIFIED_FOCAL_WASM_BASE64, {
  kernelName: UNIFIED_FOCAL_GRAD_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, t, c } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo; c: tf.TensorInfo };
    const a = attrs as unknown as UnifiedKernelAttrs;
    const images = x.shape[0];
    const grad = (backend as unknown as WasmBackend).makeOutput(x.shape, "float32");
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    const memory = backendMemory(backend);
    const pixels = tf.util.sizeFromShape(x.shape) / images;
    const scalars = [Number(a.exact), a.delta, a.gamma, a.epsilon, a.singularBelow];
    runMaybeSplit({
      loss: "unified",
      memory,
      kernel: "unifiedFocalGrad",
      units: images,
      align: 1,
      inputs: [{ ptr: at(x), width: pixels }, { ptr: at(t), width: pixels }, {
        ptr: at(c),
        width: 3,
      }],
      outputs: [{ ptr: at(grad), width: pixels }],
      args: (count) => [count, pixels, ...scalars],
      local: (count) => {
        kernelFor(memory).unifiedFocalGrad(
          at(x),
          at(t),
          at(c),
          at(grad),
          count,
          pixels,
          ...scalars as [number, number, number, number, number],
        );
        return 0;
      },
    });
    return grad;
  },
});
