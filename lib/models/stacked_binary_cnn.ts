// K copies of the CNN of Appendix A.4 trained as one tfjs program: the runs
// of a grid that see the same images share every kernel launch.
//
//   conv1   one convolution with 6·K filters (model k owns channels 6k…6k+5)
//   conv2   per model a 5×5×6 → 16 convolution: im2col (25 slices of the
//           pooled map) and one batched matMul [K, B·64, 150] × [K, 150, 16]
//   dense   batched matMuls [K, B, ·] × [K, ·, ·]
//
// Every op used has a gradient on cpu, wasm and webgpu. Initialized by
// stacking K ordinary models, so run k starts exactly where createBinaryCnn
// with its seed would.
import * as tf from "@tensorflow/tfjs";
import { type BinaryCnnShape, createBinaryCnn, featureSide } from "./binary_cnn.ts";

/** K stacked CNNs. */
export interface StackedBinaryCnn {
  models: number;
  shape: BinaryCnnShape;
  /** w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 (see above for their layouts). */
  variables: tf.Variable[];
  /** Logits of every model: [K, B, 1]. */
  forward(images: tf.Tensor4D): tf.Tensor3D;
  /** For each variable, which model owns each element: a [K]-mask → variable-shaped mask. */
  expandMask(mask: tf.Tensor1D, variable: number): tf.Tensor;
  /** Per model, whether all of a variable-shaped tensor's elements are finite: [K]. */
  finitePerModel(tensor: tf.Tensor, variable: number): tf.Tensor1D;
  dispose(): void;
}

/** K models initialized as createBinaryCnn(shape, seeds[k]) would be. */
export function createStackedBinaryCnn(shape: BinaryCnnShape, seeds: number[]): StackedBinaryCnn {
  const K = seeds.length;
  const side = featureSide(shape.size);
  const conv2Side = Math.floor((shape.size - 4) / 2) - 4;
  const flat = side * side * 16;
  const singles = seeds.map((s) => createBinaryCnn(shape, s));
  const variables = tf.tidy(() => {
    const at = (i: number) => singles.map((m) => m.variables[i]);
    return [
      tf.concat(at(0), 3), // [5, 5, c, 6K]
      tf.concat(at(1), 0), // [6K]
      tf.stack(at(2).map((w) => w.reshape([150, 16]))), // [K, 150, 16]
      tf.stack(at(3).map((b) => b.reshape([1, 16]))),
      tf.stack(at(4)), // [K, flat, 120]
      tf.stack(at(5).map((b) => b.reshape([1, 120]))),
      tf.stack(at(6)), // [K, 120, 84]
      tf.stack(at(7).map((b) => b.reshape([1, 84]))),
      tf.stack(at(8)), // [K, 84, 1]
      tf.stack(at(9).map((b) => b.reshape([1, 1]))),
    ].map((t) => tf.variable(t));
  });
  singles.forEach((m) => m.dispose());
  const [w1, b1, w2, b2, w3, b3, w4, b4, w5, b5] = variables;

  const forward = (images: tf.Tensor4D): tf.Tensor3D =>
    tf.tidy(() => {
      const B = images.shape[0];
      const h1 = tf.maxPool(
        tf.relu(tf.add(tf.conv2d(images, w1 as tf.Tensor4D, 1, "valid"), b1)) as tf.Tensor4D,
        2,
        2,
        "valid",
      );
      // im2col: the 25 shifted 8×8 windows, channels grouped per model.
      const windows: tf.Tensor[] = [];
      for (let dh = 0; dh < 5; dh++) {
        for (let dw = 0; dw < 5; dw++) {
          windows.push(tf.slice(h1, [0, dh, dw, 0], [B, conv2Side, conv2Side, 6 * K]));
        }
      }
      // Stacked along the outermost axis: its gradient is then contiguous
      // slices (an inner axis makes tfjs-wasm's Unpack very slow).
      const cols = tf.reshape(
        tf.transpose(tf.reshape(tf.concat(windows, 0), [25, B * conv2Side * conv2Side, K, 6]), [
          2,
          1,
          0,
          3,
        ]),
        [K, B * conv2Side * conv2Side, 150],
      ) as tf.Tensor3D;
      const h2 = tf.relu(tf.add(tf.matMul(cols, w2 as tf.Tensor3D), b2));
      const pooled = tf.maxPool(
        tf.reshape(h2, [K * B, conv2Side, conv2Side, 16]) as tf.Tensor4D,
        2,
        2,
        "valid",
      );
      let z = tf.reshape(pooled, [K, B, flat]) as tf.Tensor3D;
      z = tf.relu(tf.add(tf.matMul(z, w3 as tf.Tensor3D), b3));
      z = tf.relu(tf.add(tf.matMul(z, w4 as tf.Tensor3D), b4));
      return tf.add(tf.matMul(z, w5 as tf.Tensor3D), b5) as tf.Tensor3D;
    });

  // w1 and b1 hold model k in channels 6k…6k+5 of their last axis; the
  // others hold it along their first axis.
  const expandMask = (mask: tf.Tensor1D, i: number): tf.Tensor =>
    tf.tidy(() => {
      const v = variables[i];
      if (i <= 1) {
        const perChannel = tf.reshape(tf.tile(tf.reshape(mask, [K, 1]), [1, 6]), [6 * K]);
        return tf.broadcastTo(perChannel, v.shape);
      }
      return tf.broadcastTo(tf.reshape(mask, [K, ...v.shape.slice(1).map(() => 1)]), v.shape);
    });
  // Booleans become real floats (`where`) before reducing: on webgpu a bool
  // tensor cast to float keeps its integer buffer, and `tf.all` along an
  // axis of a reshaped bool tensor returns false (both measured).
  const finitePerModel = (tensor: tf.Tensor, i: number): tf.Tensor1D =>
    tf.tidy(() => {
      const ok = tf.where(tf.isFinite(tensor), tf.onesLike(tensor), tf.zerosLike(tensor));
      return (i <= 1
        ? tf.min(tf.reshape(ok, [-1, K, 6]), [0, 2])
        : tf.min(tf.reshape(ok, [K, -1]), 1)) as tf.Tensor1D;
    });
  return {
    models: K,
    shape,
    variables,
    forward,
    expandMask,
    finitePerModel,
    dispose: () => tf.dispose(variables),
  };
}
