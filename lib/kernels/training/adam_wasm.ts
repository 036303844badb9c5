// One Adam update of one variable as a single wasm kernel (SIMD
// AssemblyScript, lib/kernels/assembly/adam.ts): the float32 operations of
// tfjs's AdamOptimizer in their order, so the same numbers, in one pass
// instead of ~12 kernels. lib/train/adam.ts runs it.
import * as tf from "@tensorflow/tfjs";
import { ADAM_WASM_BASE64 } from "../generated/adam_wasm.ts";
import { backendMemory, kernelModule, offsetOf, type WasmBackend } from "../runtime/wasm_kernel.ts";

/**
 * Inputs theta, m, v, g (one shape) and the scalars acc1 = β1ᵗ, acc2 = β2ᵗ;
 * outputs θ', m', v'.
 */
export const ADAM_KERNEL = "FocalStabilityAdam";

/** The kernel's attributes: tf.train.adam's hyperparameters. */
export interface AdamAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
}

interface AdamExports {
  adamStep(...pointersCountThenScalars: number[]): void;
}

const kernelFor = kernelModule<AdamExports>(ADAM_WASM_BASE64);

tf.registerKernel({
  kernelName: ADAM_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackend;
    const { theta, m, v, g, acc1, acc2 } = inputs as Record<string, tf.TensorInfo>;
    const { beta1, beta2, learningRate, epsilon } = attrs as unknown as AdamAttrs;
    const outputs = [theta, m, v].map((t) => wasm.makeOutput(t.shape, "float32"));
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    kernelFor(backendMemory(backend)).adamStep(
      ...[theta, m, v, g, ...outputs].map(at),
      tf.util.sizeFromShape(theta.shape),
      at(acc1),
      at(acc2),
      // tfjs makes float32 scalars of these, as the module does of its f32 arguments.
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      -learningRate,
      epsilon,
    );
    return outputs;
  },
});
