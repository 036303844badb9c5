// A tfjs backend that computes as the cpu backend does and stores every
// float32 tensor rounded to a lower precision: what webgl does with half-float
// textures (compute in float32, store in half) and what PyTorch's half kernels
// do (compute in float, store in half). Every op's result, every tensor
// created from values, and so every input, is rounded on the way in. A
// kernel that reduces (Sum, Mean, Max) rounds its result once: the cpu
// kernels accumulate in float64, where webgl's reduce passes accumulate up to
// their window in float32 and store each pass in half.
//
// It runs tfjs's own cpu kernels, not the package's fused kernels (those are
// registered for cpu, wasm and webgpu only), so a loss runs its composed
// form here, as it does on webgl. Not reachable from mod.ts (Math.f16round).
import * as tf from "@tensorflow/tfjs";
import { type Precision, rounderOf } from "./round_to_precision.ts";

/** The reduced precisions a backend can emulate. */
export type ReducedPrecision = Exclude<Precision, "float32">;

/**
 * What a value beyond the precision's range is stored as: `"infinity"` as
 * IEEE arithmetic (and PyTorch's half kernels) round it, or `"nan"` as
 * webgl's half-float textures store it (measured on SwiftShader in
 * Chromium: exp(11.1), 300·300, 1/0 and an uploaded 70000 all read back NaN there, as does any
 * value that is already ±∞).
 */
export type Overflow = "infinity" | "nan";

/** Options of {@linkcode registerEmulatedBackend}. */
export interface EmulatedBackendOptions {
  /** @default {"infinity"} */
  overflow?: Overflow;
}

/** The name the emulating backend is registered under, e.g. `"cpu-float16"`. */
export function emulatedBackendName(
  precision: ReducedPrecision,
  overflow: Overflow = "infinity",
): string {
  return `cpu-${precision}${overflow === "nan" ? "-nan-overflow" : ""}`;
}

/** The prefix of the package's own kernels, which the emulation leaves out. */
const OWN_KERNELS = "FocalStability";

interface CpuLike extends tf.KernelBackend {
  data: { get(dataId: object): { values?: tf.backend_util.BackendValues } | undefined };
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
  move(
    dataId: object,
    values: tf.backend_util.BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void;
}

function roundedCopy(
  values: tf.backend_util.BackendValues,
  dtype: tf.DataType,
  round: (x: number) => number,
): tf.backend_util.BackendValues {
  if (dtype !== "float32" || !(values instanceof Float32Array)) return values;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = round(values[i]);
  return out;
}

/** `round`, with ±∞ (an overflow, or an infinite input) turned into NaN. */
function nanOnOverflow(round: (x: number) => number): (x: number) => number {
  return (x) => {
    const r = round(x);
    return Number.isFinite(r) ? r : NaN;
  };
}

/**
 * Registers (once) the backend that emulates `precision` and returns its
 * name; `tf.setBackend(name)` then selects it. Its `floatPrecision()` says
 * what tfjs uses the answer for, the range: 16 for float16 (so tfjs's
 * `backend.epsilon()` is 1e-4, as on webgl in half floats, and the losses
 * take their half-float formulations), 32 for bfloat16, which has float32's
 * exponent range.
 *
 * @param precision The storage precision.
 * @param options What an overflow is stored as.
 * @returns The backend's name.
 */
export function registerEmulatedBackend(
  precision: ReducedPrecision,
  options: EmulatedBackendOptions = {},
): string {
  const { overflow = "infinity" } = options;
  const name = emulatedBackendName(precision, overflow);
  if (tf.engine().registryFactory[name] !== undefined) return name;
  const cpu = tf.findBackend("cpu") as CpuLike | null;
  if (cpu === null) throw new Error("the tfjs cpu backend is not available");
  const Cpu = cpu.constructor as new () => CpuLike;
  const round = overflow === "nan" ? nanOnOverflow(rounderOf(precision)) : rounderOf(precision);
  const precisionBits = precision === "float16" ? 16 : 32;

  class EmulatedBackend extends Cpu {
    constructor() {
      super();
      // The cpu backend's "use tfjs-node" banner on first write, once is enough.
      (this as unknown as { firstUse: boolean }).firstUse = false;
    }
    override write(
      values: tf.backend_util.BackendValues,
      shape: number[],
      dtype: tf.DataType,
    ): object {
      return super.write(roundedCopy(values, dtype, round), shape, dtype);
    }
    override move(
      dataId: object,
      values: tf.backend_util.BackendValues,
      shape: number[],
      dtype: tf.DataType,
      refCount: number,
    ): void {
      super.move(dataId, roundedCopy(values, dtype, round), shape, dtype, refCount);
    }
    override floatPrecision(): 16 | 32 {
      return precisionBits;
    }
  }

  // Some cpu kernels (Sum among them) fill a buffer they allocated before,
  // which bypasses write(): every kernel's outputs are rounded in place as
  // it returns (idempotent for the outputs that share an input's data).
  const roundOutputs = (outputs: tf.TensorInfo | tf.TensorInfo[], backend: CpuLike) => {
    for (const info of Array.isArray(outputs) ? outputs : [outputs]) {
      if (info.dtype !== "float32") continue;
      const values = backend.data.get(info.dataId)?.values;
      if (!(values instanceof Float32Array)) continue;
      for (let i = 0; i < values.length; i++) values[i] = round(values[i]);
    }
  };
  for (const config of tf.getKernelsForBackend("cpu")) {
    if (config.kernelName.startsWith(OWN_KERNELS)) continue;
    tf.registerKernel({
      ...config,
      backendName: name,
      kernelFunc: (args) => {
        const outputs = config.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[];
        roundOutputs(outputs, args.backend as CpuLike);
        return outputs;
      },
    });
  }
  tf.registerBackend(name, () => new EmulatedBackend());
  return name;
}
