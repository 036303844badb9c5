// The Unified Focal Loss kernels on the wasm backend: a SIMD module of our
// own (lib/kernels/assembly/unified_focal.ts) that reads and writes the
// backend's tensors in place.
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
    kernelFor(backendMemory(backend)).unifiedFocalSums(
      at(x),
      at(t),
      at(sums),
      images,
      tf.util.sizeFromShape(x.shape) / images,
      Number(a.exact),
      a.delta,
      a.gamma,
      a.epsilon,
    );
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
    kernelFor(backendMemory(backend)).unifiedFocalGrad(
      at(x),
      at(t),
      at(c),
      at(grad),
      images,
      tf.util.sizeFromShape(x.shape) / images,
      Number(a.exact),
      a.delta,
      a.gamma,
      a.epsilon,
      a.singularBelow,
    );
    return grad;
  },
});
