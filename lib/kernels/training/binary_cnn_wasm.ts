// The paper's CNN (Appendix A.4) as two wasm kernels: the whole forward
// pass of a batch, and the whole backward pass to the ten weight gradients
// (SIMD AssemblyScript, lib/kernels/assembly/binary_cnn.ts, compiled once per
// input geometry: MNIST's 28×28×1 and CIFAR-10's 32×32×3). Composed from
// tfjs ops, a training step of this network is ~55 wasm kernels, each with
// its own dispatch, allocation and layout change; here it is two.
//
// `fusedBinaryCnnForward` is what lib/models/binary_cnn.ts runs on the wasm
// backend for those inputs: the same function as the composed forward pass
// (tested against it), differentiable with respect to the weights. It does
// not differentiate with respect to the images (the models here never need
// it); the composed form does, and runs when this kernel is turned off
// (setBinaryCnnKernelEnabled, for tests) or under a gradient of a gradient.
import * as tf from "@tensorflow/tfjs";
import { BINARY_CNN_WASM_BASE64 } from "../generated/binary_cnn_wasm.ts";
import { BINARY_CNN_32X32X3_WASM_BASE64 } from "../generated/binary_cnn_32x32x3_wasm.ts";
import { kernelRegistered } from "../runtime/registered.ts";
import { backendMemory, kernelModule, offsetOf, type WasmBackend } from "../runtime/wasm_kernel.ts";

let enabled = true;

/** Turns the fused CNN off (or on again), so that the composed form runs: tests compare the two. */
export function setBinaryCnnKernelEnabled(on: boolean): void {
  enabled = on;
}

/** MNIST's forward kernel: inputs x, w1 … b5; outputs the logits [B, 1] and the tape of the forward pass. */
export const BINARY_CNN_FORWARD_KERNEL = "FocalStabilityBinaryCnnForward";

/** MNIST's backward kernel: inputs dy (of the logits), tape, w1 … b5; outputs ∂L/∂w1 … ∂L/∂b5. */
export const BINARY_CNN_BACKWARD_KERNEL = "FocalStabilityBinaryCnnBackward";

/** An input geometry the kernels are compiled for, and its kernels' names. */
interface FusedGeometry {
  size: number;
  channels: number;
  forward: string;
  backward: string;
  kernelFor: ReturnType<typeof kernelModule<BinaryCnnExports>>;
}

interface BinaryCnnExports {
  tapeFloats(batch: number): number;
  workFloats(): number;
  cnnForward(...pointersThenBatch: number[]): void;
  cnnBackward(...pointersThenBatch: number[]): void;
}

/** The geometries with fused kernels: MNIST (28×28×1) and CIFAR-10 (32×32×3). */
const GEOMETRIES: FusedGeometry[] = [
  {
    size: 28,
    channels: 1,
    forward: BINARY_CNN_FORWARD_KERNEL,
    backward: BINARY_CNN_BACKWARD_KERNEL,
    kernelFor: kernelModule<BinaryCnnExports>(BINARY_CNN_WASM_BASE64),
  },
  {
    size: 32,
    channels: 3,
    forward: "FocalStabilityBinaryCnn32x32x3Forward",
    backward: "FocalStabilityBinaryCnn32x32x3Backward",
    kernelFor: kernelModule<BinaryCnnExports>(BINARY_CNN_32X32X3_WASM_BASE64),
  },
];

/** The input geometries the fused kernels are compiled for. */
export const FUSED_CNN_INPUTS: readonly { size: number; channels: number }[] = GEOMETRIES.map((
  { size, channels },
) => ({ size, channels }));

const WEIGHTS = ["w1", "b1", "w2", "b2", "w3", "b3", "w4", "b4", "w5", "b5"] as const;

for (const { forward, backward, kernelFor } of GEOMETRIES) {
  registerKernels(forward, backward, kernelFor);
}

function registerKernels(
  forward: string,
  backward: string,
  kernelFor: FusedGeometry["kernelFor"],
): void {
  tf.registerKernel({
    kernelName: forward,
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
    kernelName: backward,
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
}

/** The fused geometry of these images, if any. */
function geometryOf(images: tf.Tensor4D): FusedGeometry | undefined {
  const [, h, w, c] = images.shape;
  return GEOMETRIES.find((g) => h === g.size && w === g.size && c === g.channels);
}

/**
 * Whether {@linkcode fusedBinaryCnnForward} runs for these images: wasm
 * backend, fused kernels on, 28×28×1 or 32×32×3 inputs, and no gradient of
 * a gradient being recorded.
 */
export function fusedBinaryCnnAvailable(images: tf.Tensor4D): boolean {
  const geometry = geometryOf(images);
  return geometry !== undefined && images.dtype === "float32" &&
    tf.engine().state.gradientDepth <= 1 && enabled && kernelRegistered(geometry.forward);
}

/**
 * The CNN's logits [B, 1] for images [B, 28, 28, 1] or [B, 32, 32, 3] and
 * weights (w1, b1, …, w5, b5 in lib/models/binary_cnn.ts's shapes), by the
 * fused kernels; gradients flow to the weights.
 */
export function fusedBinaryCnnForward(images: tf.Tensor4D, weights: tf.Tensor[]): tf.Tensor2D {
  const geometry = geometryOf(images);
  if (geometry === undefined) {
    throw new RangeError(`fusedBinaryCnnForward: no fused kernels for images ${images.shape}`);
  }
  const op = tf.customGrad((...args: unknown[]) => {
    const w = args.slice(0, WEIGHTS.length) as tf.Tensor[];
    const save = args[WEIGHTS.length] as tf.GradSaveFunc;
    const named = Object.fromEntries(WEIGHTS.map((name, i) => [name, w[i]]));
    const [logits, tape] = tf.engine().runKernel(
      geometry.forward,
      { x: images, ...named },
    ) as tf.Tensor[];
    // The tape holds what the backward pass reads, the images included.
    save([tape]);
    return {
      value: logits,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(
          geometry.backward,
          { dy, tape: saved[0], ...named },
        ) as tf.Tensor[],
    };
  });
  return op(...weights) as tf.Tensor2D;
}
