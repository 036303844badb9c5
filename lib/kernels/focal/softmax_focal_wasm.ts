// The fused softmax focal kernel on the wasm backend: a SIMD module of our
// own (lib/kernels/assembly/softmax_focal.ts), four rows at a time, working
// in place in the backend's memory; large calls split by rows across the
// kernel threads when they were started.
import * as tf from "@tensorflow/tfjs";
import {
  type FusedKernelAttrs,
  SCALE_ROWS_KERNEL,
  SOFTMAX_FOCAL_KERNEL,
  SOFTMAX_FOCAL_REDUCED_KERNEL,
} from "./focal_kernels.ts";
import { SOFTMAX_FOCAL_WASM_BASE64 } from "../generated/softmax_focal_wasm.ts";
import {
  backendMemory,
  kernelModule,
  offsetOf,
  registerIfCompiles,
  type WasmBackend,
} from "../runtime/wasm_kernel.ts";
import { runMaybeSplit } from "../threads/kernel_split.ts";

/**
 * The module's exports. The four loss kernels (exact or original mode,
 * weights or class indices) are called through one path with their
 * pointers, counts and scalars in the order of lib/kernels/assembly/softmax_focal.ts.
 */
type LossKernel =
  | "softmaxFocalExact"
  | "softmaxFocalOriginal"
  | "softmaxFocalExactLabels"
  | "softmaxFocalOriginalLabels";
type KernelExports = Record<LossKernel, (...pointersCountsScalars: number[]) => void> & {
  scaleRows(g: number, dy: number, out: number, rows: number, inner: number): void;
};

const kernelFor = kernelModule<KernelExports>(SOFTMAX_FOCAL_WASM_BASE64);

/**
 * The per-row kernel, or (`reduced`) its reducing form: the rows' losses go
 * to a temporary that is summed here in float64, and the gradient is scaled
 * in place.
 */
function run({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0], reduced: boolean) {
  const memory = backendMemory(backend);
  const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
  const a = attrs as unknown as FusedKernelAttrs;
  const classes = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / classes;
  // Allocate first: malloc may grow (and move) the heap.
  const wasm = backend as unknown as WasmBackend;
  const loss = wasm.makeOutput(x.shape.slice(0, -1), "float32");
  const grad = a.withGrad ? wasm.makeOutput(x.shape, "float32") : null;
  const at = (info: tf.TensorInfo) => offsetOf(backend, info);
  const kernel = kernelFor(memory);
  const gradPtr = grad === null ? 0 : at(grad);
  // int32 class indices, one per row, in place of the [rows, classes] weights.
  const labelled = t.dtype === "int32";
  const weight = a.alpha < 0 ? 1 : a.alpha;
  const ignoreIndex = a.ignoreIndex ?? -1;
  const rowArrays = {
    loss: "softmax" as const,
    memory,
    units: rows,
    // Four rows a SIMD block.
    align: 4,
    inputs: [{ ptr: at(x), width: classes }, { ptr: at(t), width: labelled ? 1 : classes }],
    outputs: [{ ptr: at(loss), width: 1 }, { ptr: gradPtr, width: classes }],
  };
  // One of the four kernels: exact or original (Eq. (11)) mode, weights or
  // class indices. The exact mode's scratch holds three vectors per class
  // (the block's columns, see the kernel); class indices add α and the
  // ignored index.
  const name = `${a.mode === 0 ? "softmaxFocalExact" : "softmaxFocalOriginal"}${
    labelled ? "Labels" : ""
  }` as const;
  const modeArgs = a.mode === 0 ? [a.gamma] : [a.gamma, a.epsilon, a.singularBelow];
  const indexArgs = labelled ? [weight, ignoreIndex] : [];
  const scratch = a.mode === 0 ? wasm.makeOutput([12 * classes], "float32") : null;
  const kernelCall = kernel[name];
  // Large calls are split by rows across the kernel threads, when started.
  runMaybeSplit({
    ...rowArrays,
    kernel: name,
    ...(scratch === null ? {} : { scratch: 12 * classes }),
    args: (count) => [count, classes, ...modeArgs, ...indexArgs],
    local: (count) => {
      const scratchPtr = scratch === null ? [] : [at(scratch)];
      kernelCall(
        at(x),
        at(t),
        at(loss),
        gradPtr,
        ...scratchPtr,
        count,
        classes,
        ...modeArgs,
        ...indexArgs,
      );
      return 0;
    },
  });
  if (scratch !== null) wasm.disposeData(scratch.dataId);
  if (!reduced) return grad === null ? [loss] : [loss, grad];
  const scale = a.scale ?? 1;
  const sum = wasm.makeOutput([], "float32");
  // Views after every allocation: malloc may have moved the heap.
  const rowLosses = new Float32Array(memory.buffer, at(loss), rows);
  let total = 0;
  for (let r = 0; r < rows; r++) total += rowLosses[r];
  new Float32Array(memory.buffer, at(sum), 1)[0] = total * scale;
  wasm.disposeData(loss.dataId);
  if (grad === null) return [sum];
  if (scale !== 1) {
    const factor = wasm.makeOutput([], "float32");
    new Float32Array(memory.buffer, at(factor), 1)[0] = scale;
    kernel.scaleRows(at(grad), at(factor), at(grad), 1, rows * classes);
    wasm.disposeData(factor.dataId);
  }
  return [sum, grad];
}

registerIfCompiles(SOFTMAX_FOCAL_WASM_BASE64, {
  kernelName: SOFTMAX_FOCAL_KERNEL,
  backendName: "wasm",
  kernelFunc: (args) => run(args, false),
});

registerIfCompiles(SOFTMAX_FOCAL_WASM_BASE64, {
  kernelName: SOFTMAX_FOCAL_REDUCED_KERNEL,
  backendName: "wasm",
  kernelFunc: (args) => run(args, true),
});

registerIfCompiles(SOFTMAX_FOCAL_WASM_BASE64, {
  kernelName: SCALE_ROWS_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const wasm = backend as unknown as WasmBackend;
    const out = wasm.makeOutput(x.shape, "float32");
    const rows = tf.util.sizeFromShape(dy.shape);
    const inner = rows === 0 ? 0 : tf.util.sizeFromShape(x.shape) / rows;
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    kernelFor(backendMemory(backend)).scaleRows(at(x), at(dy), at(out), rows, inner);
    return out;
  },
});
