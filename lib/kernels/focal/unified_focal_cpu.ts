// The Unified Focal Loss kernels on the cpu backend: plain loops over
// _unified_focal_math.ts, sums in float64.
import * as tf from "@tensorflow/tfjs";
import {
  UNIFIED_FOCAL_GRAD_KERNEL,
  UNIFIED_FOCAL_SUMS_KERNEL,
  type UnifiedKernelAttrs,
} from "./focal_kernels.ts";
import { unifiedGradElement, unifiedSumsElement } from "./_unified_focal_math.ts";

interface CpuBackend {
  readSync(dataId: unknown): Float32Array;
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

tf.registerKernel({
  kernelName: UNIFIED_FOCAL_SUMS_KERNEL,
  backendName: "cpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cpu = backend as unknown as CpuBackend;
    const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
    const a = attrs as unknown as UnifiedKernelAttrs;
    const xs = cpu.readSync(x.dataId);
    const ts = cpu.readSync(t.dataId);
    const images = x.shape[0];
    const pixels = xs.length / images;
    const sums = new Float32Array(images * 5);
    for (let b = 0; b < images; b++) {
      let tp = 0, fn = 0, fp = 0, tn = 0, focal = 0;
      for (let i = b * pixels; i < (b + 1) * pixels; i++) {
        const y = ts[i];
        const [p, q, term] = unifiedSumsElement(xs[i], y, a);
        tp += y * p;
        fn += y * q;
        fp += (1 - y) * p;
        tn += (1 - y) * q;
        focal += term;
      }
      sums.set([tp, fn, fp, tn, focal], b * 5);
    }
    return cpu.makeTensorInfo([images, 5], "float32", sums);
  },
});

tf.registerKernel({
  kernelName: UNIFIED_FOCAL_GRAD_KERNEL,
  backendName: "cpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cpu = backend as unknown as CpuBackend;
    const { x, t, c } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo; c: tf.TensorInfo };
    const a = attrs as unknown as UnifiedKernelAttrs;
    const xs = cpu.readSync(x.dataId);
    const ts = cpu.readSync(t.dataId);
    const cs = cpu.readSync(c.dataId);
    const pixels = xs.length / x.shape[0];
    const grad = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const b = Math.floor(i / pixels);
      grad[i] = unifiedGradElement(xs[i], ts[i], cs[3 * b], cs[3 * b + 1], cs[3 * b + 2], a);
    }
    return cpu.makeTensorInfo(x.shape, "float32", grad);
  },
});
