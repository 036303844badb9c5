import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import {
  CONV3X3_MAX_CHANNELS,
  conv3x3Calls,
  setConv3x3KernelEnabled,
} from "../lib/kernels/gradients/conv3x3_wasm.ts";

/** y, dx and dw of a 3×3 "same" convolution in float64, by the definition. */
function reference(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  [n, h, wd, ci]: [number, number, number, number],
  co: number,
) {
  const y = new Float64Array(n * h * wd * co);
  const dx = new Float64Array(n * h * wd * ci);
  const dw = new Float64Array(9 * ci * co);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < wd; c++) {
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const rr = r + ky - 1, cc = c + kx - 1;
            if (rr < 0 || rr >= h || cc < 0 || cc >= wd) continue;
            for (let i = 0; i < ci; i++) {
              const xi = ((b * h + rr) * wd + cc) * ci + i;
              for (let o = 0; o < co; o++) {
                const yo = ((b * h + r) * wd + c) * co + o;
                const wi = ((ky * 3 + kx) * ci + i) * co + o;
                y[yo] += x[xi] * w[wi];
                dx[xi] += dy[yo] * w[wi];
                dw[wi] += x[xi] * dy[yo];
              }
            }
          }
        }
      }
    }
  }
  return { y, dx, dw };
}

Deno.test(
  name("3×3 same convolutions with few channels: forward and both gradients equal the definition"),
  async () => {
    // [n, h, w, ci] → co: the U-Net's first layer (ci 1), equal and doubling
    // widths, rows whose width is not a multiple of 4, the channel limit.
    const cases: [[number, number, number, number], number][] = [
      [[2, 9, 7, 1], 4],
      [[2, 8, 8, 4], 4],
      [[2, 7, 6, 4], 8],
      [[3, 5, 9, 8], 16],
      [[2, 6, 5, 16], 16],
      [[1, 3, 3, 12], 8],
      [[2, 1, 1, 8], 8], // fewer pixels than a block
      [[1, 2, 1, 4], 4],
      [[2, 5, 6, 32], 24],
    ];
    const before = conv3x3Calls();
    for (const [shape, co] of cases) {
      const x = tf.randomNormal(shape, 0, 1, "float32", 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, shape[3], co], 0, 1, "float32", 2) as tf.Tensor4D;
      const dy = tf.randomNormal([...shape.slice(0, 3), co], 0, 1, "float32", 3);
      const ref = reference(await read(x), await read(w), await read(dy), shape, co);
      const y = tf.conv2d(x, w, 1, "same");
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"), dy))
      )([x, w]);
      const what = `[${shape}] → ${co}`;
      assertClose(await read(y), Array.from(ref.y), { rtol: 1e-5, atol: 1e-5, what: `${what} y` });
      assertClose(await read(dx), Array.from(ref.dx), {
        rtol: 1e-5,
        atol: 1e-5,
        what: `${what} dx`,
      });
      assertClose(await read(dw), Array.from(ref.dw), {
        rtol: 1e-5,
        atol: 1e-4,
        what: `${what} dw`,
      });
      tf.dispose([x, w, dy, y, dx, dw]);
    }
    // On wasm our kernels computed them: per case two forward passes (y, and
    // the one under tf.grads), the filter gradient, and the input gradient
    // where ci is a multiple of 4 (all but the first case).
    assert.equal(conv3x3Calls() - before, BACKEND === "wasm" ? 2 * 9 + 9 + 8 : 0);
  },
);

Deno.test(name("3×3 convolutions outside the kernels' cases go to XNNPACK's path"), async () => {
  const before = conv3x3Calls();
  const x = tf.randomNormal([1, 6, 6, CONV3X3_MAX_CHANNELS + 4], 0, 1, "float32", 1) as tf.Tensor4D;
  const wide = tf.randomNormal([3, 3, CONV3X3_MAX_CHANNELS + 4, 8], 0, 1, "float32", 2);
  const odd = tf.randomNormal([3, 3, CONV3X3_MAX_CHANNELS + 4, 6], 0, 1, "float32", 3);
  tf.dispose([
    tf.conv2d(x, wide as tf.Tensor4D, 1, "same"), // too many channels in
    tf.conv2d(x, odd as tf.Tensor4D, 1, "same"),
    tf.conv2d(x, wide as tf.Tensor4D, 2, "same"), // stride 2
    tf.conv2d(x, wide as tf.Tensor4D, 1, "valid"), // no padding
  ]);
  const small = tf.slice(x, [0, 0, 0, 0], [1, 6, 6, 4]) as tf.Tensor4D;
  const six = tf.randomNormal([3, 3, 4, 6], 0, 1, "float32", 4) as tf.Tensor4D;
  tf.dispose(tf.conv2d(small, six, 1, "same")); // 6 channels out: not a multiple of 4
  setConv3x3KernelEnabled(false);
  const eight = tf.randomNormal([3, 3, 4, 8], 0, 1, "float32", 5) as tf.Tensor4D;
  const off = tf.conv2d(small, eight, 1, "same");
  setConv3x3KernelEnabled(true);
  assert.equal(conv3x3Calls(), before, "none of these ran on the kernels");
  const on = tf.conv2d(small, eight, 1, "same");
  assertClose(await read(on), await read(off), { rtol: 1e-5, atol: 1e-5, what: "on vs off" });
  assert.equal(conv3x3Calls() - before, BACKEND === "wasm" ? 1 : 0);
  tf.dispose([x, wide, odd, small, six, eight, off, on]);
});
