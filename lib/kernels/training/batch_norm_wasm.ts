// BatchNorm in training mode, and the ReLU after it, as two wasm kernels
// (SIMD AssemblyScript, lib/kernels/assembly/batch_norm.ts): the forward
// pass in one kernel instead of ~9 (and the ReLU's), the backward pass in
// one instead of ~10 (and the ReLU's gradient). lib/models/_batch_norm.ts
// runs them on wasm; elsewhere, and under second derivatives, the composed
// form, which the tests compare them with.
import * as tf from "@tensorflow/tfjs";
import { BATCH_NORM_WASM_BASE64 } from "../generated/batch_norm_wasm.ts";
import {
  backendMemory,
  kernelModule,
  offsetOf,
  registerIfCompiles,
  type WasmBackend,
} from "../runtime/wasm_kernel.ts";
import { kernelRegistered } from "../runtime/registered.ts";

/** Inputs x [..., C], scale [C], shift [C]; outputs y (x's shape), mean [C], rstd [C]. */
export const BATCH_NORM_KERNEL = "FocalStabilityBatchNorm";

/** Inputs dy, x, mean, rstd, scale, shift; outputs dx, dscale [C], dshift [C]. */
export const BATCH_NORM_GRAD_KERNEL = "FocalStabilityBatchNormGrad";

/** The kernels' attributes. */
export interface BatchNormAttrs {
  /** ε inside the square root. */
  epsilon: number;
  /** Apply (or differentiate) a ReLU after the normalization. */
  relu: boolean;
}

interface BatchNormExports {
  batchNormForward(...pointersThenSizes: number[]): void;
  batchNormBackward(...pointersThenSizes: number[]): void;
}

const kernelFor = kernelModule<BatchNormExports>(BATCH_NORM_WASM_BASE64);

let enabled = true;

/** Turns the BatchNorm kernels off (or on again), so that tests compare them with the composed form. */
export function setBatchNormKernelEnabled(on: boolean): void {
  enabled = on;
}

/** Whether the BatchNorm kernels run: on, and registered for the active backend. */
export function batchNormKernelAvailable(): boolean {
  return enabled && kernelRegistered(BATCH_NORM_KERNEL);
}

/** Rows (the batch's pixels) and channels of a channels-last tensor. */
function rowsAndChannels(x: tf.TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1];
  return [tf.util.sizeFromShape(x.shape) / c, c];
}

registerIfCompiles(BATCH_NORM_WASM_BASE64, {
  kernelName: BATCH_NORM_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackend;
    const { x, scale, shift } = inputs as Record<string, tf.TensorInfo>;
    const { epsilon, relu } = attrs as unknown as BatchNormAttrs;
    const [m, c] = rowsAndChannels(x);
    const y = wasm.makeOutput(x.shape, "float32");
    const mean = wasm.makeOutput([c], "float32");
    const rstd = wasm.makeOutput([c], "float32");
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    kernelFor(backendMemory(backend)).batchNormForward(
      ...[x, scale, shift, y, mean, rstd].map(at),
      m,
      c,
      epsilon,
      relu ? 1 : 0,
    );
    return [y, mean, rstd];
  },
});

registerIfCompiles(BATCH_NORM_WASM_BASE64, {
  kernelName: BATCH_NORM_GRAD_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackend;
    const { dy, x, mean, rstd, scale, shift } = inputs as Record<string, tf.TensorInfo>;
    const { relu } = attrs as unknown as BatchNormAttrs;
    const [m, c] = rowsAndChannels(x);
    const dx = wasm.makeOutput(x.shape, "float32");
    const dscale = wasm.makeOutput([c], "float32");
    const dshift = wasm.makeOutput([c], "float32");
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    kernelFor(backendMemory(backend)).batchNormBackward(
      ...[dy, x, mean, rstd, scale, shift, dx, dscale, dshift].map(at),
      m,
      c,
      relu ? 1 : 0,
    );
    return [dx, dscale, dshift];
  },
});
