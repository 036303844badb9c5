// The fused sigmoid focal kernel on the wasm backend: a SIMD module of our
// own (lib/kernels/assembly/sigmoid_focal.ts) that imports the backend's
// memory and reads and writes its tensors in place, with no copies.
import * as tf from "@tensorflow/tfjs";
import {
  type FusedKernelAttrs,
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
} from "./fused_kernels.ts";
import { SIGMOID_FOCAL_WASM_BASE64 } from "./_sigmoid_focal_wasm.ts";

/** The parts of tfjs-backend-wasm's BackendWasm this kernel uses. */
interface WasmBackend {
  wasm: { asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}

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
  ): number;
}

let compiled: WebAssembly.Module | null = null;
const instances = new WeakMap<WebAssembly.Memory, KernelExports>();

function kernelFor(memory: WebAssembly.Memory): KernelExports {
  let exports = instances.get(memory);
  if (exports === undefined) {
    compiled ??= new WebAssembly.Module(
      Uint8Array.from(atob(SIGMOID_FOCAL_WASM_BASE64), (c) => c.charCodeAt(0)),
    );
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    exports = instance.exports as unknown as KernelExports;
    instances.set(memory, exports);
  }
  return exports;
}

function run(
  { inputs, backend, attrs }: Parameters<tf.KernelFunc>[0],
  reduced: boolean,
): tf.TensorInfo[] {
  const wasm = backend as unknown as WasmBackend;
  const memory = wasm.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error("the tfjs wasm backend does not expose its memory (expected tfjs 4.22)");
  }
  const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
  const a = attrs as unknown as FusedKernelAttrs;
  const n = tf.util.sizeFromShape(x.shape);
  const scale = reduced ? a.scale ?? 1 : 1;
  // Allocate first: malloc may grow (and move) the heap.
  const loss = wasm.makeOutput(reduced ? [] : x.shape, "float32");
  const grad = a.withGrad ? wasm.makeOutput(x.shape, "float32") : null;
  const at = (info: tf.TensorInfo) => wasm.dataIdMap.get(info.dataId).memoryOffset;
  const kernel = kernelFor(memory);
  const lossPtr = reduced ? 0 : at(loss);
  const gradPtr = grad === null ? 0 : at(grad);
  const sum = a.mode === 0
    ? kernel.sigmoidFocalExact(
      at(x),
      at(t),
      lossPtr,
      gradPtr,
      n,
      a.alpha,
      1 - a.alpha,
      a.gamma,
      scale,
    )
    : kernel.sigmoidFocalOriginal(
      at(x),
      at(t),
      lossPtr,
      gradPtr,
      n,
      a.alpha,
      1 - a.alpha,
      a.gamma,
      a.epsilon,
      a.singularBelow,
      scale,
    );
  if (reduced) new Float32Array(memory.buffer, at(loss), 1)[0] = sum * scale;
  return grad === null ? [loss] : [loss, grad];
}

tf.registerKernel({
  kernelName: SIGMOID_FOCAL_KERNEL,
  backendName: "wasm",
  kernelFunc: (args) => run(args, false),
});

tf.registerKernel({
  kernelName: SIGMOID_FOCAL_REDUCED_KERNEL,
  backendName: "wasm",
  kernelFunc: (args) => run(args, true),
});
