// The fused sigmoid focal kernel on the cpu backend: a plain loop.
import * as tf from "@tensorflow/tfjs";
import {
  type FusedKernelAttrs,
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
} from "./focal_kernels.ts";
import { exactElement, originalElement } from "./_sigmoid_focal_math.ts";

interface CpuBackend {
  readSync(dataId: unknown): Float32Array;
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

function run(
  { inputs, backend, attrs }: Parameters<tf.KernelFunc>[0],
  reduced: boolean,
): tf.TensorInfo[] {
  const cpu = backend as unknown as CpuBackend;
  const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
  const a = attrs as unknown as FusedKernelAttrs;
  const scale = reduced ? a.scale ?? 1 : 1;
  const quality = a.base === 1;
  const xs = cpu.readSync(x.dataId);
  const ts = cpu.readSync(t.dataId);
  const loss = reduced ? null : new Float32Array(xs.length);
  const grad = a.withGrad ? new Float32Array(xs.length) : null;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const [l, g] = a.mode === 0
      ? exactElement(xs[i], ts[i], a.alpha, a.gamma, quality)
      : originalElement(xs[i], ts[i], a.alpha, a.gamma, a.epsilon, a.singularBelow, quality);
    if (loss !== null) loss[i] = l;
    sum += Math.fround(l);
    if (grad !== null) grad[i] = g * scale;
  }
  const first = loss === null
    ? cpu.makeTensorInfo([], "float32", Float32Array.of(sum * scale))
    : cpu.makeTensorInfo(x.shape, "float32", loss);
  return grad === null ? [first] : [first, cpu.makeTensorInfo(x.shape, "float32", grad)];
}

tf.registerKernel({
  kernelName: SIGMOID_FOCAL_KERNEL,
  backendName: "cpu",
  kernelFunc: (args) => run(args, false),
});

tf.registerKernel({
  kernelName: SIGMOID_FOCAL_REDUCED_KERNEL,
  backendName: "cpu",
  kernelFunc: (args) => run(args, true),
});
