// Plumbing shared by the wasm kernels: our modules import the tfjs wasm
// backend's memory and address its tensors by their memory offsets.
import * as tf from "@tensorflow/tfjs";

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
export interface WasmBackend {
  wasm: { asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  disposeData(dataId: unknown): boolean;
}

/** The backend's memory; tfjs 4.22 exposes it as `wasm.asm.memory`. */
export function backendMemory(backend: unknown): WebAssembly.Memory {
  const memory = (backend as WasmBackend).wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error("the tfjs wasm backend does not expose its memory (expected tfjs 4.22)");
  }
  return memory;
}

/** Where a tensor's data starts in the backend's memory. */
export function offsetOf(backend: unknown, info: tf.TensorInfo): number {
  return (backend as WasmBackend).dataIdMap.get(info.dataId).memoryOffset;
}

/**
 * A compiled kernel module, instantiated once per backend memory (and its
 * constants set). The module is small and compiled synchronously on first use.
 */
export function kernelModule<E>(base64: string): (memory: WebAssembly.Memory) => E {
  let compiled: WebAssembly.Module | null = null;
  const instances = new WeakMap<WebAssembly.Memory, E>();
  return (memory) => {
    let exports = instances.get(memory);
    if (exports === undefined) {
      compiled ??= new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      const instance = new WebAssembly.Instance(compiled, { env: { memory } });
      // The vector constants live in the instance's globals (see
      // lib/kernels/assembly/vector_math.ts).
      (instance.exports.initConstants as () => void)();
      exports = instance.exports as unknown as E;
      instances.set(memory, exports);
    }
    return exports;
  };
}

const compiles = new Map<string, boolean>();

/**
 * Whether this runtime's WebAssembly compiles the module: the kernels use
 * relaxed SIMD (`f32x4.relaxed_madd`), which Deno, Chromium and Node.js 22
 * have and Node.js 20's V8 (11.3) has only behind
 * `--experimental-wasm-relaxed-simd`.
 */
export function moduleCompiles(base64: string): boolean {
  let ok = compiles.get(base64);
  if (ok === undefined) {
    ok = WebAssembly.validate(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    compiles.set(base64, ok);
  }
  return ok;
}

/**
 * Registers a wasm kernel where its module compiles; elsewhere nothing is
 * registered, and the loss that would run it runs its composed form instead
 * (as on any backend without the kernel).
 */
export function registerIfCompiles(base64: string, config: tf.KernelConfig): void {
  if (moduleCompiles(base64)) tf.registerKernel(config);
}
