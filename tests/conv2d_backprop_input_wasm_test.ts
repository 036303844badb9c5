import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import "../lib/kernels/gradients/conv2d_backprop_input_wasm.ts";

/** dx of sum(conv2d(x, w) · dy) in float64, by the definition. */
function reference(
  w: Float32Array,
  [fh, fw, ci, co]: number[],
  dy: Float32Array,
  [b, oh, ow]: number[],
  [h, wd]: number[],
  [sh, sw]: number[],
  [pt, pl]: number[],
): Float64Array {
  const out = new Float64Array(b * h * wd * ci);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let kh = 0; kh < fh; kh++) {
          for (let kw = 0; kw < fw; kw++) {
            const r = i * sh + kh - pt;
            const q = j * sw + kw - pl;
            if (r < 0 || r >= h || q < 0 || q >= wd) continue;
            for (let c = 0; c < ci; c++) {
              let s = 0;
              for (let o = 0; o < co; o++) {
                s += dy[((n * oh + i) * ow + j) * co + o] * w[((kh * fw + kw) * ci + c) * co + o];
              }
              out[((n * h + r) * wd + q) * ci + c] += s;
            }
          }
        }
      }
    }
  }
  return out;
}

Deno.test(
  name("conv2d input gradients and transposed convolutions equal the definition"),
  async () => {
    assert.ok(tf.getKernel("Conv2DBackpropInput", BACKEND) !== undefined);
    const cases: { x: number[]; f: number[]; s: [number, number]; pad: "valid" | "same" }[] = [
      { x: [2, 9, 9, 3], f: [5, 5, 3, 4], s: [1, 1], pad: "valid" }, // the paper's CNN
      { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: [1, 1], pad: "same" }, // the U-Net's DoubleConv
      { x: [2, 6, 8, 3], f: [2, 2, 3, 5], s: [2, 2], pad: "valid" }, // its ConvTranspose2d
      { x: [3, 10, 11, 2], f: [3, 3, 2, 5], s: [2, 2], pad: "same" }, // the shipped kernel's case
      { x: [1, 7, 8, 4], f: [2, 3, 4, 3], s: [1, 1], pad: "same" },
      { x: [2, 12, 12, 6], f: [5, 5, 6, 16], s: [1, 1], pad: "valid" }, // the CNN's conv2
      { x: [1, 6, 5, 16], f: [3, 3, 16, 4], s: [1, 1], pad: "same" }, // 16 channels: full correlation
    ];
    for (const { x: xShape, f, s, pad } of cases) {
      const x = tf.randomNormal(xShape, 0, 1, "float32", 1);
      const filter = tf.randomNormal(f, 0, 1, "float32", 2);
      const before = tf.memory().numTensors;
      const y = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, s, pad);
      const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3);
      // The input gradient of conv2d and the forward pass of conv2dTranspose
      // are the same kernel.
      const grad = tf.grad((z: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(z as tf.Tensor4D, filter as tf.Tensor4D, s, pad), dy))
      )(x);
      const transposed = tf.conv2dTranspose(
        dy as tf.Tensor4D,
        filter as tf.Tensor4D,
        xShape as [number, number, number, number],
        s,
        pad,
      );
      const info = tf.backend_util.computeConv2DInfo(
        xShape as [number, number, number, number],
        f as [number, number, number, number],
        s,
        1,
        pad,
      );
      const expected = reference(
        await read(filter),
        f,
        await read(dy),
        y.shape,
        xShape.slice(1, 3),
        s,
        [info.padInfo.top, info.padInfo.left],
      );
      const what = JSON.stringify({ xShape, f, s, pad });
      assertClose(await read(grad), expected, { rtol: 1e-4, atol: 1e-4, what });
      assertClose(await read(transposed), expected, { rtol: 1e-4, atol: 1e-4, what });
      tf.dispose([y, dy, grad, transposed]);
      assert.equal(tf.memory().numTensors, before, "the gradient leaked tensors");
      tf.dispose([x, filter]);
    }
  },
);
