// The fused softmax focal kernel on the cpu backend: a loop over rows.
import * as tf from "@tensorflow/tfjs";
import {
  type FusedKernelAttrs,
  SCALE_ROWS_KERNEL,
  SOFTMAX_FOCAL_KERNEL,
  SOFTMAX_FOCAL_REDUCED_KERNEL,
} from "./focal_kernels.ts";
import { exactRow, originalRow } from "./_softmax_focal_math.ts";

interface CpuBackend {
  readSync(dataId: unknown): Float32Array | Int32Array;
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

function run({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0], reduced: boolean) {
  const cpu = backend as unknown as CpuBackend;
  const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
  const a = attrs as unknown as FusedKernelAttrs;
  const z = cpu.readSync(x.dataId) as Float32Array;
  const w = cpu.readSync(t.dataId);
  const classes = x.shape[x.shape.length - 1];
  const rows = z.length / classes;
  const loss = new Float32Array(rows);
  const grad = a.withGrad ? new Float32Array(z.length) : null;
  // int32 class indices: one row of weights at a time, α at the row's class.
  const labelled = t.dtype === "int32";
  const row = new Float32Array(classes);
  const weight = a.alpha < 0 ? 1 : a.alpha;
  const weightsOf = (r: number) => {
    if (!labelled) return w.subarray(r * classes, (r + 1) * classes);
    row.fill(0);
    const label = w[r];
    if (label !== a.ignoreIndex && label >= 0 && label < classes) row[label] = weight;
    return row;
  };
  for (let r = 0; r < rows; r++) {
    const zr = z.subarray(r * classes, (r + 1) * classes);
    const wr = weightsOf(r);
    if (a.mode === 0) {
      const gr = grad === null ? null : grad.subarray(r * classes, (r + 1) * classes);
      loss[r] = exactRow(zr, wr, 0, classes, a.gamma, gr);
      continue;
    }
    loss[r] = originalRow(zr, wr, a.gamma, a.epsilon, a.singularBelow, grad, r * classes);
  }
  if (!reduced) {
    const outputs = [cpu.makeTensorInfo(x.shape.slice(0, -1), "float32", loss)];
    if (grad !== null) outputs.push(cpu.makeTensorInfo(x.shape, "float32", grad));
    return outputs;
  }
  const scale = a.scale ?? 1;
  let sum = 0;
  for (const l of loss) sum += l;
  const outputs = [cpu.makeTensorInfo([], "float32", Float32Array.of(sum * scale))];
  if (grad !== null) {
    outputs.push(cpu.makeTensorInfo(x.shape, "float32", grad.map((g) => g * scale)));
  }
  return outputs;
}

tf.registerKernel({
  kernelName: SOFTMAX_FOCAL_KERNEL,
  backendName: "cpu",
  kernelFunc: (args) => run(args, false),
});

tf.registerKernel({
  kernelName: SOFTMAX_FOCAL_REDUCED_KERNEL,
  backendName: "cpu",
  kernelFunc: (args) => run(args, true),
});

tf.registerKernel({
  kernelName: SCALE_ROWS_KERNEL,
  backendName: "cpu",
  kernelFunc: ({ inputs, backend }) => {
    const cpu = backend as unknown as CpuBackend;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const g = cpu.readSync(x.dataId);
    const d = cpu.readSync(dy.dataId);
    const out = new Float32Array(g.length);
    const inner = d.length === 0 ? 0 : g.length / d.length;
    for (let r = 0; r < d.length; r++) {
      for (let at = r * inner; at < (r + 1) * inner; at++) out[at] = g[at] * d[r];
    }
    return cpu.makeTensorInfo(x.shape, "float32", out);
  },
});
