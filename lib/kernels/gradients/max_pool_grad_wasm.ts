// MaxPoolGrad for the tfjs wasm backend. The one it ships revisits every
// window for every input pixel: 3.7 ms of a 20 ms training step of the
// paper's CNN went to the first pooling layer's gradient alone. This one
// finds each window's maximum once and adds dy there, with the cpu backend's
// rule: the first position in the window, row by row, strictly above all
// before it (padding and NaN never win); a window with no such position
// passes no gradient.
//
// The 2×2, stride-2 pool with four or more channels (every pool of the CNN
// and the U-Net) runs in SIMD wasm (lib/kernels/assembly/conv_pool_grad.ts);
// the rest in the loops below, which also serve the cpu-side tests.
import * as tf from "@tensorflow/tfjs";
import { replaceWasmKernel } from "../runtime/wasm_compose.ts";
import { convPoolGradKernel } from "./_conv_pool_grad_kernel.ts";
import { backendMemory, offsetOf } from "../runtime/wasm_kernel.ts";

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** dx for x [B, H, W, C] and dy [B, oh, ow, C], in NHWC order, written into dx (zeroed). */
export function maxPoolGradInto(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const { top, left } = info.padInfo;
  dx.fill(0);
  if (isPool2x2(info)) {
    pool2x2GradInto(x, dy, dx, batchSize, h, w, c, oh, ow);
    return;
  }
  // Channels innermost, as they lie in memory: a window's maximum for every
  // channel at once.
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * h * w * c;
    for (let i = 0; i < oh; i++) {
      const r0 = Math.max(0, i * sh - top);
      const r1 = Math.min(h, i * sh - top + fh);
      for (let j = 0; j < ow; j++) {
        const c0 = Math.max(0, j * sw - left);
        const c1 = Math.min(w, j * sw - left + fw);
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) {
            const base = xBatch + (r * w + col) * c;
            for (let d = 0; d < c; d++) {
              const v = x[base + d];
              if (v > best[d]) {
                best[d] = v;
                at[d] = base + d;
              }
            }
          }
        }
        const dyAt = ((b * oh + i) * ow + j) * c;
        for (let d = 0; d < c; d++) if (at[d] >= 0) dx[at[d]] += dy[dyAt + d];
      }
    }
  }
}

/** A 2×2 window, stride 2, every window inside the input (no padding). */
function isPool2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return info.effectiveFilterHeight === 2 && info.effectiveFilterWidth === 2 &&
    info.strideHeight === 2 && info.strideWidth === 2 && info.padInfo.top === 0 &&
    info.padInfo.left === 0 && 2 * info.outHeight <= info.inHeight &&
    2 * info.outWidth <= info.inWidth;
}

/**
 * The 2×2, stride-2, unpadded case (the CNN's and the U-Net's pools): the
 * four pixels of each window in locals, the first strict maximum by compares.
 */
function pool2x2GradInto(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  batchSize: number,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
): void {
  const down = w * c;
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const k0 = ((b * h + 2 * i) * w + 2 * j) * c;
        for (let d = 0; d < c; d++, o++) {
          const p0 = k0 + d;
          const p1 = p0 + c;
          const p2 = p0 + down;
          const p3 = p2 + c;
          let best = x[p0];
          let at = best > Number.NEGATIVE_INFINITY ? p0 : -1;
          if (x[p1] > best || (at < 0 && x[p1] > Number.NEGATIVE_INFINITY)) {
            best = x[p1];
            at = p1;
          }
          if (x[p2] > best || (at < 0 && x[p2] > Number.NEGATIVE_INFINITY)) {
            best = x[p2];
            at = p2;
          }
          if (x[p3] > best || (at < 0 && x[p3] > Number.NEGATIVE_INFINITY)) at = p3;
          if (at >= 0) dx[at] += dy[o];
        }
      }
    }
  }
}

replaceWasmKernel("MaxPoolGrad", ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const heap = backend as unknown as HeapBackend;
  const dx = heap.makeOutput(input.shape, "float32");
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  if (isPool2x2(info) && c >= 4) {
    // Windows cover every element unless a side is odd.
    if (h % 2 !== 0 || w % 2 !== 0) heap.typedArrayFromHeap(dx).fill(0);
    const at = (t: tf.TensorInfo) => offsetOf(backend, t);
    convPoolGradKernel(backendMemory(backend))
      .maxPoolGrad2x2(at(input), at(dy), at(dx), batchSize, h, w, c, oh, ow);
    return dx;
  }
  maxPoolGradInto(
    heap.typedArrayFromHeap(input),
    heap.typedArrayFromHeap(dy),
    heap.typedArrayFromHeap(dx),
    info,
  );
  return dx;
});
