// Conv2DBackpropFilter for the tfjs wasm backend, which ships the forward
// convolution and the input gradient but not the filter gradient — so, as
// shipped, it cannot train a conv net.
//
// The filter gradient is itself a convolution: with padding (pt, pl) and
// strides (sh, sw),
//
//   dW[kh, kw, ci, co] = Σ_{b, i, j} x[b, i·sh + kh − pt, j·sw + kw − pl, ci] · dy[b, i, j, co]
//
// which is a "valid" convolution of x with channels and batch swapped,
// [ci, H, W, b] (padded), by dy as a filter [oh, ow, b, co], with the
// original strides as its dilations. XNNPACK's Conv2D then does the work.
import * as tf from "@tensorflow/tfjs";
import { runWasmKernel, withTemporaries } from "../runtime/wasm_compose.ts";

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

tf.registerKernel({
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (a.dataFormat !== "NHWC") {
      throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only: received ${a.dataFormat}`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      a.filterShape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      "channelsLast",
    );
    const [fh, fw, ci, co] = a.filterShape;
    return withTemporaries(backend, (keep) => {
      let xT = keep(runWasmKernel("Transpose", { x }, backend, { perm: [3, 1, 2, 0] }));
      const { top, bottom, left, right } = info.padInfo;
      if (top || bottom || left || right) {
        xT = keep(runWasmKernel("PadV2", { x: xT }, backend, {
          paddings: [[0, 0], [top, bottom], [left, right], [0, 0]],
          constantValue: 0,
        }));
      }
      const filter = keep(runWasmKernel("Transpose", { x: dy }, backend, { perm: [1, 2, 0, 3] }));
      const full = keep(runWasmKernel("Conv2D", { x: xT, filter }, backend, {
        strides: [1, 1],
        pad: "valid",
        dataFormat: "NHWC",
        dilations: [info.strideHeight, info.strideWidth],
        dimRoundingMode: undefined,
      }));
      // Extra rows and columns appear when the padding is not exact.
      const cropped = full.shape[1] === fh && full.shape[2] === fw ? full : keep(
        runWasmKernel("Slice", { x: full }, backend, {
          begin: [0, 0, 0, 0],
          size: [ci, fh, fw, co],
        }),
      );
      return runWasmKernel("Transpose", { x: cropped }, backend, { perm: [1, 2, 0, 3] });
    });
  },
});
