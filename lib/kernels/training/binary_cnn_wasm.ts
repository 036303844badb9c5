// The paper's MNIST CNN (Appendix A.4) as two wasm kernels: the whole forward
// pass of a batch, and the whole backward pass to the ten weight gradients
// (SIMD AssemblyScript, lib/kernels/assembly/binary_cnn.ts). Composed from
// tfjs ops, a training step of this network is ~55 wasm kernels, each with
// its own dispatch, allocation and layout change; here it is two.
//
// `fusedBinaryCnnForward` is what lib/models/binary_cnn.ts runs on the wasm
// backend for 28×28×1 inputs: the same function as the composed forward pass
// (tested against it), differentiable with respect to the weights. It does
// not differentiate with respect to the images (the models here never need
// it); the composed form does, and runs when this kernel is turned off
// (setBinaryCnnKernelEnabled, for tests) or under a gradient of a gradient.
import * as tf from "@tensorflow/tfjs";
import { BINARY_CNN_WASM_BASE64 } from "../generated/binary_cnn_wasm.ts";
import { kernelRegistered } from "../runtime/registered.ts";
import { backendMemory, kernelModule, offsetOf, type WasmBackend } from "../runtime/wasm_kernel.ts";

/** Inputs x, w1 … b5; outputs the logits [B, 1] and the tape of the forward pass. */
let enabled = true;

/** Turns the fused CNN off (or on again), so that the composed form runs: tests compare the two. */
export function setBinaryCnnKernelEnabled(on: boolean): void {
  enabled = on;
}

export const BINARY_CNN_FORWARD_KERNEL = "FocalStabilityBinaryCnnForward";

/** Inputs dy (of the logits), tape, w1 … b5; outputs ∂L/∂w1 … ∂L/∂b5. */
export const BINARY_CNN_BACKWARD_KERNEL = "FocalStabilityBinaryCnnBackward";

/** The input geometry the kernels are written for: MNIST. */
export const FUSED_CNN_INPUT = { size: 28, channels: 1 } as const;

interface BinaryCnnExports {
  tapeFloats(batch: number): number;
  workFloats(): number;
  cnnForward(...pointersThenBatch: number[]): void;
  cnnBackward(...pointersThenBatch: number[]): void;
}

const kernelFor = kernelModule<BinaryCnnExports>(BINARY_CNN_WASM_BASE64);

const WEIGHTS = ["w1", "b1", "w2", "b2", "w3", "b3", "w4", "b4", "w5", "b5"] as const;

tf.registerKernel({
  kernelName: BINARY_CNN_FORWARD_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend }) => {
    const wasm = backend as unknown as WasmBackend;
    const x = inputs.x as tf.TensorInfo;
    const batch = x.shape[0];
    const kernel = kernelFor(backendMemory(backend));
    // Allocate first: malloc may grow (and move) the heap.
    const logits = wasm.makeOutput([batch, 1], "float32");
    const tape = wasm.makeOutput([kernel.tapeFloats(batch)], "float32");
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    kernel.cnnForward(
      at(x),
      ...WEIGHTS.map((name) => at(inputs[name] as tf.TensorInfo)),
      at(logits),
      at(tape),
      batch,
    );
    return [logits, tape];
  },
});

tf.registerKernel({
  kernelName: BINARY_CNN_BACKWARD_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend }) => {
    const wasm = backend as unknown as WasmBackend;
    const batch = (inputs.dy as tf.TensorInfo).shape[0];
    const kernel = kernelFor(backendMemory(backend));
    const grads = WEIGHTS.map((name) =>
      wasm.makeOutput((inputs[name] as tf.TensorInfo).shape, "float32")
    );
    const work = wasm.makeOutput([kernel.workFloats()], "float32");
    const at = (info: tf.TensorInfo) => offsetOf(backend, info);
    kernel.cnnBackward(
      at(inputs.dy as tf.TensorInfo),
      at(inputs.tape as tf.TensorInfo),
      ...["w2", "w3", "w4", "w5"].map((name) => at(inputs[name] as tf.TensorInfo)),
      at(work),
      ...grads.map(at),
      batch,
    );
    wasm.disposeData(work.dataId);
    return grads;
  },
});

/**
 * Whether {@linkcode fusedBinaryCnnForward} runs for these images: wasm
 * backend, fused kernels on, 28×28×1 inputs, and no gradient of a gradient
 * being recorded.
 */
export function fusedBinaryCnnAvailable(images: tf.Tensor4D): boolean {
  const [, h, w, c] = images.shape;
  return h === FUSED_CNN_INPUT.size && w === FUSED_CNN_INPUT.size &&
    c === FUSED_CNN_INPUT.channels && images.dtype === "float32" &&
    tf.engine().state.gradientDepth <= 1 && enabled && kernelRegistered(BINARY_CNN_FORWARD_KERNEL);
}

/**
 * The CNN's logits [B, 1] for images [B, 28, 28, 1] and weights
 * (w1, b1, …, w5, b5 in lib/models/binary_cnn.ts's shapes), by the fused
 * kernels; gradients flow to the weights.
 */
export function fusedBinaryCnnForward(images: tf.Tensor4D, weights: tf.Tensor[]): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const w = args.slice(0, WEIGHTS.length) as tf.Tensor[];
    const save = args[WEIGHTS.length] as tf.GradSaveFunc;
    const named = Object.fromEntries(WEIGHTS.map((name, i) => [name, w[i]]));
    const [logits, tape] = tf.engine().runKernel(
      BINARY_CNN_FORWARD_KERNEL,
      { x: images, ...named },
    ) as tf.Tensor[];
    // The tape holds what the backward pass reads, the images included.
    save([tape]);
    return {
      value: logits,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(
          BINARY_CNN_BACKWARD_KERNEL,
          { dy, tape: saved[0], ...named },
        ) as tf.Tensor[],
    };
  });
  return op(...weights) as tf.Tensor2D;
}
