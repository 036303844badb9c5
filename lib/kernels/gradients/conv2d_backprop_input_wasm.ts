// A fast Conv2DBackpropInput for the tfjs wasm backend. The one it ships is
// a plain loop, ~10× slower than XNNPACK's forward convolution: in the
// U-Net of Appendix A.6 it took 60% of a training step. Two cases the
// models here use are rewritten onto XNNPACK's Conv2D and MatMul; any other
// is handed to the shipped kernel.
//
// Stride 1 (every 3×3 "same" and 5×5 "valid" convolution): the input
// gradient is a "full" correlation of dy with the filter rotated by 180° and
// its channels swapped, W'[a, b, o, i] = W[kh−1−a, kw−1−b, i, o]:
//
//   dx[n, y, x, i] = Σ_{a, b, o} dy_p[n, y + a, x + b, o] · W'[a, b, o, i]
//
// with dy padded by (kh−1−pt, kw−1−pl) before and by what makes the output
// H × W after.
//
// Kernel = stride, no padding (the U-Net's ConvTranspose2d k2 s2, whose
// forward pass is this kernel): every dy pixel feeds a disjoint kh × kw
// block, so dx = dy [N·oh·ow, O] × W [O, kh·kw·I], reshaped into blocks.
//
// With few input channels (the CNN's conv2: 6) that full correlation is a
// product with only ci output columns, which XNNPACK runs slowly; there the
// gradient is dy [N·oh·ow, co] × W [co, kh·kw·ci], each row a pixel's
// contributions to its kh × kw window, summed into dx by a SIMD col2im
// (lib/kernels/assembly/conv_pool_grad.ts).
import * as tf from "@tensorflow/tfjs";
import { replaceWasmKernel, runWasmKernel, withTemporaries } from "../runtime/wasm_compose.ts";
import { convPoolGradKernel } from "./_conv_pool_grad_kernel.ts";
import { backendMemory, offsetOf, type WasmBackend } from "../runtime/wasm_kernel.ts";

/** Below this many input channels, stride 1 goes through the product and col2im. */
const COL2IM_BELOW_CHANNELS = 16;

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

/**
 * dy [n, oh, ow, co] as [n·oh·ow, co] times W [kh, kw, ci, co] as
 * [co, kh·kw·ci]: row p holds output pixel p's contributions to its window.
 */
function dyTimesFilter(
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  backend: unknown,
  keep: (t: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const rows = keep(runWasmKernel("Reshape", { x: dy }, backend, {
    shape: [tf.util.sizeFromShape(dy.shape) / co, co],
  }));
  const wT = keep(runWasmKernel("Transpose", { x: filter }, backend, { perm: [3, 0, 1, 2] }));
  const w2 = keep(runWasmKernel("Reshape", { x: wT }, backend, { shape: [co, kh * kw * ci] }));
  return runWasmKernel("BatchMatMul", { a: rows, b: w2 }, backend, {
    transposeA: false,
    transposeB: false,
  });
}

replaceWasmKernel("Conv2DBackpropInput", (args, shipped) => {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const backend = args.backend;
  if (a.dataFormat !== "NHWC") return shipped(args);
  const [fh, fw, ci, co] = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape,
    [fh, fw, ci, co],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    "channelsLast",
  );
  const [n, h, w] = a.inputShape;
  const { top, left } = info.padInfo;
  const [oh, ow] = [info.outHeight, info.outWidth];
  if (info.strideHeight === 1 && info.strideWidth === 1 && ci < COL2IM_BELOW_CHANNELS) {
    return withTemporaries(backend, (keep) => {
      const cols = keep(dyTimesFilter(dy, filter, backend, keep));
      const dx = (backend as unknown as WasmBackend).makeOutput([n, h, w, ci], "float32");
      const at = (t: tf.TensorInfo) => offsetOf(backend, t);
      convPoolGradKernel(backendMemory(backend))
        .col2imStride1(at(cols), at(dx), n, h, w, ci, oh, ow, fh, fw, top, left);
      return dx;
    });
  }
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    return withTemporaries(backend, (keep) => {
      const swapped = keep(runWasmKernel("Transpose", { x: filter }, backend, {
        perm: [0, 1, 3, 2],
      }));
      const rotated = keep(runWasmKernel("Reverse", { x: swapped }, backend, { dims: [0, 1] }));
      const before = [fh - 1 - top, fw - 1 - left];
      const padded = keep(runWasmKernel("PadV2", { x: dy }, backend, {
        paddings: [[0, 0], [before[0], h + fh - 1 - oh - before[0]], [
          before[1],
          w + fw - 1 - ow - before[1],
        ], [0, 0]],
        constantValue: 0,
      }));
      return runWasmKernel("Conv2D", { x: padded, filter: rotated }, backend, {
        strides: [1, 1],
        pad: "valid",
        dataFormat: "NHWC",
        dilations: [1, 1],
        dimRoundingMode: undefined,
      });
    });
  }
  const blocks = info.strideHeight === fh && info.strideWidth === fw && top === 0 &&
    left === 0 && oh * fh === h && ow * fw === w;
  if (!blocks) return shipped(args);
  return withTemporaries(backend, (keep) => {
    const product = keep(dyTimesFilter(dy, filter, backend, keep));
    const grid = keep(runWasmKernel("Reshape", { x: product }, backend, {
      shape: [n, oh, ow, fh, fw, ci],
    }));
    const ordered = keep(runWasmKernel("Transpose", { x: grid }, backend, {
      perm: [0, 1, 3, 2, 4, 5],
    }));
    return runWasmKernel("Reshape", { x: ordered }, backend, { shape: [n, h, w, ci] });
  });
});
