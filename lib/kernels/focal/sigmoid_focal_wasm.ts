// The fused sigmoid focal kernel on the wasm backend: a SIMD module of our
// own (lib/kernels/assembly/sigmoid_focal.ts) that imports the backend's
// memory and reads and writes its tensors in place, with no copies.
import * as tf from "@tensorflow/tfjs";
import {
  type FusedKernelAttrs,
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
} from "./focal_kernels.ts";
import { SIGMOID_FOCAL_WASM_BASE64 } from "../generated/sigmoid_focal_wasm.ts";
import { runMaybeSplit } from "../threads/kernel_split.ts";
import {
  backendMemory,
  kernelModule,
  offsetOf,
  registerIfCompiles,
  type WasmBackend,
} from "../runtime/wasm_kernel.ts";

/** Both return Σ loss (float64); pointers of 0 skip an output. */
interface KernelExports {
  sigmoidFocalExact(
    x: number,
    t: number,
    loss: number,
    grad: number,
    n: number,
    alpha: number,
    alphaC: number,
    gamma: number,
    gradScale: number,
    qualityBase: number,
  ): number;
  sigmoidFocalOriginal(
    x: number,
    t: number,
    loss: number,
    grad: number,
    n: number,
    alpha: number,
    alphaC: number,
    gamma: number,
    epsilon: number,
    singularBelow: number,
    gradScale: number,
    qualityBase: number,
  ): number;
}

const kernelFor = kernelModule<KernelExports>(SIGMOID_FOCAL_WASM_BASE64);

/**
 * The scalars after n: (α, 1 − α, γ, scale, base); (α, 1 − α, γ, ε,
 * singularBelow, scale, base), base 1 for the Quality Focal Loss.
 */
type Exact = [number, number, number, number, number];
type Original = [number, number, number, number, number, number, number];

function run(
  { inputs, backend, attrs }: Parameters<tf.KernelFunc>[0],
  reduced: boolean,
): tf.TensorInfo[] {
  const wasm = backend as unknown as WasmBackend;
  const memory = backendMemory(backend);
  const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
  const a = attrs as unknown as FusedKernelAttrs;
  const n = tf.util.sizeFromShape(x.shape);
  const scale = reduced ? a.scale ?? 1 : 1;
  // Allocate first: malloc may grow (and move) the heap.
  const loss = wasm.makeOutput(reduced ? [] : x.shape, "float32");
  const grad = a.withGrad ? wasm.makeOutput(x.shape, "float32") : null;
  const at = (info: tf.TensorInfo) => offsetOf(backend, info);
  const kernel = kernelFor(memory);
  const lossPtr = reduced ? 0 : at(loss);
  const gradPtr = grad === null ? 0 : at(grad);
  const scalars = a.mode === 0
    ? [a.alpha, 1 - a.alpha, a.gamma, scale, a.base ?? 0]
    : [a.alpha, 1 - a.alpha, a.gamma, a.epsilon, a.singularBelow, scale, a.base ?? 0];
  // Large calls are split across the kernel threads, when started.
  const sum = runMaybeSplit({
    loss: a.base === 1 ? "quality" : "sigmoid",
    memory,
    kernel: a.mode === 0 ? "sigmoidFocalExact" : "sigmoidFocalOriginal",
    units: n,
    // The kernel's 16 × 4-lane summing blocks.
    align: 64,
    inputs: [{ ptr: at(x), width: 1 }, { ptr: at(t), width: 1 }],
    outputs: [{ ptr: lossPtr, width: 1 }, { ptr: gradPtr, width: 1 }],
    args: (count) => [count, ...scalars],
    local: (count) =>
      a.mode === 0
        ? kernel.sigmoidFocalExact(at(x), at(t), lossPtr, gradPtr, count, ...(scalars as Exact))
        : kernel.sigmoidFocalOriginal(
          at(x),
          at(t),
          lossPtr,
          gradPtr,
          count,
          ...(scalars as Original),
        ),
  });
  if (reduced) new Float32Array(memory.buffer, at(loss), 1)[0] = sum * scale;
  return grad === null ? [loss] : [loss, grad];
}

registerIfCompiles(SIGMOID_FOCAL_WASM_BASE64, {
  kernelName: SIGMOID_FOCAL_KERNEL,
  backendName: "wasm",
  kernelFunc: (args) => run(args, false),
});

registerIfCompiles(SIGMOID_FOCAL_WASM_BASE64, {
  kernelName: SIGMOID_FOCAL_REDUCED_KERNEL,
  backendName: "wasm",
  kernelFunc: (args) => run(args, true),
});
