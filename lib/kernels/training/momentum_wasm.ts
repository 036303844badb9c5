// One SGD-with-momentum update of one variable as a single wasm kernel (SIMD
// AssemblyScript, lib/kernels/assembly/momentum.ts): the float32 operations
// of tfjs's MomentumOptimizer in their order, so the same numbers, in one
// pass instead of ~4 kernels. lib/train/momentum.ts runs it.
import * as tf from "@tensorflow/tfjs";
import { MOMENTUM_WASM_BASE64 } from "../generated/momentum_wasm.ts";
import { backendMemory, kernelModule, offsetOf, type WasmBackend } from "../runtime/wasm_kernel.ts";

/** Inputs theta, v, g (one shape); outputs θ', v'. */
export const MOMENTUM_KERNEL = "FocalStabilityMomentum";

/** The kernel's attributes: tf.train.momentum's hyperparameters. */
export interface MomentumAttrs {
  momentum: number;
  learningRate: number;
}

interface MomentumExports {
  momentumStep(...pointersCountThenScalars: number[]): void;
}

const kernelFor = kernelModule<MomentumExports>(MOMENTUM_WASM_BASE64);

tf.registerKernel({
  kernelName: MOMENTUM_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackend;
    const { theta, v, g } = inputs as Record<string, tf.TensorInfo>;
    const { momentum, learningRate } = attrs as unknown as MomentumAttrs;
    const outputs = [theta, v].map((t) => wasm.makeOutput(t.shape, "float32"));
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    kernelFor(backendMemory(backend)).momentumStep(
      ...[theta, v, g, ...outputs].map(at),
      tf.util.sizeFromShape(theta.shape),
      // tfjs makes float32 scalars of these (scalar(μ), scalar(−lr)), as the
      // module does of its f32 arguments.
      momentum,
      -learningRate,
    );
    return outputs;
  },
});
