import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import "../lib/kernels/gradients/max_pool_grad_wasm.ts";

/** dx of sum(maxPool(x) · dy) by the definition: dy to each window's first strict maximum. */
function reference(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): Float64Array {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const out = new Float64Array(x.length);
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let d = 0; d < c; d++) {
          let best = -Infinity;
          let at = -1;
          for (let kh = 0; kh < info.filterHeight; kh++) {
            for (let kw = 0; kw < info.filterWidth; kw++) {
              const r = i * info.strideHeight + kh - info.padInfo.top;
              const q = j * info.strideWidth + kw - info.padInfo.left;
              if (r < 0 || r >= h || q < 0 || q >= w) continue;
              const k = ((b * h + r) * w + q) * c + d;
              if (x[k] > best) [best, at] = [x[k], k];
            }
          }
          if (at >= 0) out[at] += dy[((b * oh + i) * ow + j) * c + d];
        }
      }
    }
  }
  return out;
}

/** Every 7th value −∞ and every 11th NaN, which never win a window. */
function withSpecials(t: tf.Tensor): tf.Tensor {
  const values = t.dataSync().slice();
  for (let i = 0; i < values.length; i += 7) values[i] = -Infinity;
  for (let i = 3; i < values.length; i += 11) values[i] = NaN;
  const out = tf.tensor(values, t.shape);
  t.dispose();
  return out;
}

Deno.test(name("max-pool gradients equal the definition, ties and overlaps included"), async () => {
  assert.ok(tf.getKernel("MaxPoolGrad", BACKEND) !== undefined);
  const cases: { x: number[]; f: number; s: number; pad: "valid" | "same" }[] = [
    { x: [3, 24, 24, 6], f: 2, s: 2, pad: "valid" }, // the paper's CNN
    { x: [2, 9, 9, 3], f: 2, s: 2, pad: "valid" }, // an odd size: the last row is dropped
    { x: [2, 7, 8, 2], f: 3, s: 2, pad: "same" }, // overlapping windows and padding
    { x: [1, 6, 6, 4], f: 3, s: 1, pad: "valid" },
    { x: [2, 9, 7, 5], f: 2, s: 2, pad: "valid" }, // SIMD: odd sides, lanes overlap (5 channels)
    { x: [2, 8, 8, 16], f: 2, s: 2, pad: "valid" }, // SIMD: the CNN's second pool
    { x: [2, 7, 7, 4], f: 2, s: 2, pad: "same" }, // 2×2 windows past the edge
  ];
  for (const { x: shape, f, s, pad } of cases) {
    // ReLU zeros make ties within a window, where cpu's rule (which our wasm
    // kernel follows) gives the first position; webgpu's own kernel breaks
    // ties otherwise, so it gets tie-free inputs.
    const normal = tf.randomNormal(shape, 0, 1, "float32", 5);
    const x = BACKEND === "webgpu" ? normal : withSpecials(tf.relu(normal));
    const y = tf.maxPool(x as tf.Tensor4D, f, s, pad);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 6);
    const grad = tf.grad((z: tf.Tensor) =>
      tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, f, s, pad), dy))
    )(x);
    const info = tf.backend_util.computePool2DInfo(
      shape as [number, number, number, number],
      f,
      s,
      1,
      pad,
    );
    const expected = reference(await read(x), await read(dy), info);
    assertClose(await read(grad), expected, {
      rtol: 1e-6,
      atol: 1e-6,
      what: `pool ${f}/${s} ${pad}`,
    });
    tf.dispose([normal, x, y, dy, grad]);
  }
});
