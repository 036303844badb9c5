import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertClose, read } from "./_assert.ts";
import "../lib/kernels/gradients/conv2d_backprop_filter_wasm.ts";

/** dW of sum(conv2d(x, w) · dy) in float64, by the definition. */
function reference(
  x: Float32Array,
  [b, h, w, ci]: number[],
  dy: Float32Array,
  [, oh, ow, co]: number[],
  [fh, fw]: number[],
  [sh, sw]: number[],
  [pt, pl]: number[],
): Float64Array {
  const out = new Float64Array(fh * fw * ci * co);
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) {
          let s = 0;
          for (let n = 0; n < b; n++) {
            for (let i = 0; i < oh; i++) {
              for (let j = 0; j < ow; j++) {
                const r = i * sh + kh - pt;
                const q = j * sw + kw - pl;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                s += x[((n * h + r) * w + q) * ci + c] * dy[((n * oh + i) * ow + j) * co + o];
              }
            }
          }
          out[((kh * fw + kw) * ci + c) * co + o] = s;
        }
      }
    }
  }
  return out;
}

Deno.test(
  name("conv2d filter gradients equal the definition, every stride and padding"),
  async () => {
    if (BACKEND !== "wasm") {
      // The kernel is registered for wasm only; other backends ship their own.
      assert.ok(tf.getKernel("Conv2DBackpropFilter", BACKEND) !== undefined);
    }
    const cases: { x: number[]; f: number[]; s: [number, number]; pad: "valid" | "same" }[] = [
      { x: [2, 9, 9, 3], f: [5, 5, 3, 4], s: [1, 1], pad: "valid" },
      { x: [2, 9, 9, 3], f: [5, 5, 3, 4], s: [1, 1], pad: "same" },
      { x: [3, 10, 11, 2], f: [3, 3, 2, 5], s: [2, 2], pad: "valid" },
      { x: [3, 10, 11, 2], f: [3, 3, 2, 5], s: [2, 2], pad: "same" },
      { x: [1, 7, 8, 4], f: [2, 3, 4, 3], s: [2, 3], pad: "same" },
      { x: [64, 12, 12, 6], f: [5, 5, 6, 16], s: [1, 1], pad: "valid" }, // the paper's conv2
      { x: [4, 28, 28, 1], f: [5, 5, 1, 6], s: [1, 1], pad: "valid" }, // its conv1
      { x: [2, 6, 5, 16], f: [3, 3, 16, 4], s: [1, 1], pad: "same" },
    ];
    for (const { x: xShape, f, s, pad } of cases) {
      const x = tf.randomNormal(xShape, 0, 1, "float32", 1);
      const filter = tf.randomNormal(f, 0, 1, "float32", 2);
      const before = tf.memory().numTensors;
      const y = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, s, pad);
      const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3);
      const grad = tf.grad((w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad), dy))
      )(
        filter,
      );
      const info = tf.backend_util.computeConv2DInfo(
        xShape as [number, number, number, number],
        f as [number, number, number, number],
        s,
        1,
        pad,
      );
      const expected = reference(
        await read(x),
        xShape,
        await read(dy),
        y.shape,
        f,
        s,
        [info.padInfo.top, info.padInfo.left],
      );
      assertClose(await read(grad), expected, {
        rtol: 1e-4,
        atol: 1e-4,
        what: JSON.stringify({ xShape, f, s, pad }),
      });
      tf.dispose([y, dy, grad]);
      assert.equal(tf.memory().numTensors, before, "the gradient leaked tensors");
      tf.dispose([x, filter]);
    }
  },
);
