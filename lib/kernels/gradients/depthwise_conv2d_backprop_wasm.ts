// The two depthwise-convolution gradients the tfjs wasm backend lacks, for
// stride 1 and no dilation (what the stacked CNN's grouped conv2 needs),
// composed from its own fast kernels like conv2d_backprop_filter_wasm.ts.
//
// With channel multiplier M, y[b, i, j, c·M + m] = Σ_{p,q} x[b, i+p−pt, j+q−pl, c]·w[p, q, c, m].
//
//   ∂x  a full correlation of dy with the flipped filter, per channel (c, m),
//       summed over m: a depthwise conv of dy (padded) by flip(w) with
//       multiplier 1, reshaped to [.., C, M] and summed.
//   ∂w  for each channel c one GEMM: the fh·fw shifted windows of x_c,
//       [C, fh·fw, N], times dy_c, [C, N, M], with N = B·oh·ow — a single
//       BatchMatMul. (As a depthwise conv with the batch in the channels it
//       was 18× slower than the forward pass on XNNPACK.)
import * as tf from "@tensorflow/tfjs";
import { runWasmKernel, withTemporaries } from "../runtime/wasm_compose.ts";

interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

function checkSupported(name: string, a: DepthwiseBackpropAttrs): void {
  const ones = (v: [number, number] | number) =>
    (Array.isArray(v) ? v : [v, v]).every((s) => s === 1);
  if (!ones(a.strides) || !ones(a.dilations)) {
    throw new Error(
      `${name} on wasm supports stride 1 and dilation 1: received strides ${a.strides}, dilations ${a.dilations}`,
    );
  }
}

tf.registerKernel({
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as DepthwiseBackpropAttrs;
    checkSupported("DepthwiseConv2dNativeBackpropInput", a);
    const inputShape = a.inputShape!;
    const [fh, fw, channels, multiplier] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      1,
      1,
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const [batch, height, width] = inputShape;
    return withTemporaries(backend, (keep) => {
      // Full correlation: pad dy so that every input position sees the whole filter.
      const top = fh - 1 - info.padInfo.top;
      const left = fw - 1 - info.padInfo.left;
      const padded = keep(runWasmKernel("PadV2", { x: dy }, backend, {
        paddings: [[0, 0], [top, height + fh - 1 - info.outHeight - top], [
          left,
          width + fw - 1 - info.outWidth - left,
        ], [0, 0]],
        constantValue: 0,
      }));
      // flip(w) as a multiplier-1 depthwise filter over C·M channels.
      const flipped = keep(runWasmKernel("Reverse", { x: filter }, backend, { dims: [0, 1] }));
      const perChannel = keep(runWasmKernel("Reshape", { x: flipped }, backend, {
        shape: [fh, fw, channels * multiplier, 1],
      }));
      const each = keep(
        runWasmKernel("DepthwiseConv2dNative", { x: padded, filter: perChannel }, backend, {
          strides: [1, 1],
          pad: "valid",
          dataFormat: "NHWC",
          dilations: [1, 1],
        }),
      );
      const grouped = keep(runWasmKernel("Reshape", { x: each }, backend, {
        shape: [batch, height, width, channels, multiplier],
      }));
      return runWasmKernel("Sum", { x: grouped }, backend, { axis: [4], keepDims: false });
    });
  },
});

tf.registerKernel({
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as DepthwiseBackpropAttrs;
    checkSupported("DepthwiseConv2dNativeBackpropFilter", a);
    const filterShape = a.filterShape!;
    const [fh, fw, channels, multiplier] = filterShape;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      1,
      1,
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const [batch] = x.shape;
    const [, oh, ow] = dy.shape;
    return withTemporaries(backend, (keep) => {
      let xs = x;
      const { top, bottom, left, right } = info.padInfo;
      if (top || bottom || left || right) {
        xs = keep(runWasmKernel("PadV2", { x }, backend, {
          paddings: [[0, 0], [top, bottom], [left, right], [0, 0]],
          constantValue: 0,
        }));
      }
      const n = batch * oh * ow;
      // The fh·fw windows of x, each [B, oh, ow, C], stacked first: [fh·fw, N, C].
      const windows: tf.TensorInfo[] = [];
      for (let p = 0; p < fh; p++) {
        for (let q = 0; q < fw; q++) {
          const slice = keep(runWasmKernel("Slice", { x: xs }, backend, {
            begin: [0, p, q, 0],
            size: [batch, oh, ow, channels],
          }));
          windows.push(
            keep(runWasmKernel("Reshape", { x: slice }, backend, { shape: [1, n, channels] })),
          );
        }
      }
      // tfjs's Concat kernels take their inputs as an array.
      const stacked = keep(runWasmKernel("Concat", windows, backend, { axis: 0 }));
      const cols = keep(runWasmKernel("Transpose", { x: stacked }, backend, { perm: [2, 0, 1] })); // [C, fh·fw, N]
      const dy3 = keep(
        runWasmKernel("Reshape", { x: dy }, backend, { shape: [n, channels, multiplier] }),
      );
      const dyT = keep(runWasmKernel("Transpose", { x: dy3 }, backend, { perm: [1, 0, 2] })); // [C, N, M]
      const product = keep(runWasmKernel("BatchMatMul", { a: cols, b: dyT }, backend, {
        transposeA: false,
        transposeB: false,
      })); // [C, fh·fw, M]
      const perWindow = keep(
        runWasmKernel("Transpose", { x: product }, backend, { perm: [1, 0, 2] }),
      );
      return runWasmKernel("Reshape", { x: perWindow }, backend, {
        shape: [fh, fw, channels, multiplier],
      });
    });
  },
});
