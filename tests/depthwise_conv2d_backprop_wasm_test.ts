import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import "../lib/kernels/gradients/depthwise_conv2d_backprop_wasm.ts";

/** Gradients of sum(depthwiseConv2d(x, w) · dy) by the definition, in float64. */
function reference(
  x: Float32Array,
  [b, h, w, c]: number[],
  f: Float32Array,
  [fh, fw, , m]: number[],
  dy: Float32Array,
  [, oh, ow]: number[],
  [pt, pl]: number[],
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(f.length);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          for (let k = 0; k < m; k++) {
            const g = dy[((n * oh + i) * ow + j) * c * m + ch * m + k];
            for (let p = 0; p < fh; p++) {
              for (let q = 0; q < fw; q++) {
                const r = i + p - pt;
                const s = j + q - pl;
                if (r < 0 || r >= h || s < 0 || s >= w) continue;
                const xi = ((n * h + r) * w + s) * c + ch;
                const wi = ((p * fw + q) * c + ch) * m + k;
                dx[xi] += g * f[wi];
                dw[wi] += g * x[xi];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw };
}

Deno.test(name("depthwise conv gradients (input and filter) equal the definition"), async () => {
  type Shape = [number, number, number, number];
  const cases: { x: Shape; f: Shape; pad: "valid" | "same" }[] = [
    { x: [2, 12, 12, 6], f: [5, 5, 6, 16], pad: "valid" }, // the stacked CNN's conv2
    { x: [3, 7, 9, 4], f: [3, 3, 4, 2], pad: "same" },
    { x: [1, 6, 5, 3], f: [2, 4, 3, 1], pad: "valid" },
  ];
  for (const { x: xShape, f, pad } of cases) {
    const x = tf.randomNormal(xShape, 0, 1, "float32", 1) as tf.Tensor4D;
    const filter = tf.randomNormal(f, 0, 1, "float32", 2) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, filter, 1, pad);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3);
    const before = tf.memory().numTensors;
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), dy))
    )([x, filter]);
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      f as [number, number, number, number],
      1,
      1,
      pad,
      undefined,
      true,
    );
    const ref = reference(
      await read(x),
      xShape,
      await read(filter),
      f,
      await read(dy),
      y.shape,
      [info.padInfo.top, info.padInfo.left],
    );
    const what = JSON.stringify({ xShape, f, pad, BACKEND });
    assertClose(await read(dx), ref.dx, { rtol: 1e-4, atol: 1e-4, what: `${what} dx` });
    assertClose(await read(dw), ref.dw, { rtol: 1e-4, atol: 1e-4, what: `${what} dw` });
    tf.dispose([dx, dw]);
    assert.equal(tf.memory().numTensors, before, "the gradients leaked tensors");
    tf.dispose([x, filter, y, dy]);
  }
});
