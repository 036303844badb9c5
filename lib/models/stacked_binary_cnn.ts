// K copies of the CNN of Appendix A.4 trained as one tfjs program: the runs
// of a grid that see the same images share every kernel launch.
//
//   conv1   one convolution with 6·K filters (model k owns channels 6k…6k+5)
//   conv2   per model a 5×5×6 → 16 convolution: one depthwise convolution
//           with multiplier 16 over the 6K channels, then a sum over each
//           model's 6 input channels (im2col was 4× slower on wasm)
//   dense   batched matMuls [K, B, ·] × [K, ·, ·]
//
// Every op used has a gradient on cpu, wasm (with lib/kernels/*_wasm.ts)
// and webgpu. Initialized by
// stacking K ordinary models, so run k starts exactly where createBinaryCnn
// with its seed would.
import * as tf from "@tensorflow/tfjs";
import { type BinaryCnnShape, createBinaryCnn, featureSide } from "./binary_cnn.ts";
// Gradients tfjs-wasm lacks: the filter gradient of conv1, both of conv2.
import "../kernels/gradients/conv2d_backprop_filter_wasm.ts";
import "../kernels/gradients/depthwise_conv2d_backprop_wasm.ts";
import "../kernels/gradients/batch_mat_mul_wasm.ts";
import "../kernels/gradients/max_pool_grad_wasm.ts";

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
      tf.concat(at(2), 2), // [5, 5, 6K, 16]: a depthwise filter
      tf.stack(at(3)), // [K, 16]
      tf.stack(at(4)), // [K, flat, 120]
      tf.stack(at(5).map((b) => b.reshape([1, 120]))),
      tf.stack(at(6)), // [K, 120, 84]
      tf.stack(at(7).map((b) => b.reshape([1, 84]))),
      tf.stack(at(8)), // [K, 84, 1]
      tf.stack(at(9).map((b) => b.reshape([1, 1]))),
    ].map((t) => tf.variable(t));
  });
  singles.forEach((m) => m.dispose());
  /** Where each variable holds model k: along `axis`, in blocks of `group`. */
  const layout = [
    { axis: 3, group: 6 },
    { axis: 0, group: 6 },
    { axis: 2, group: 6 },
    ...Array.from({ length: 7 }, () => ({ axis: 0, group: 1 })),
  ];
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
      const each = tf.depthwiseConv2d(h1, w2 as tf.Tensor4D, 1, "valid"); // [B, 8, 8, 6K·16]
      const grouped = tf.sum(tf.reshape(each, [B, conv2Side, conv2Side, K, 6, 16]), 4);
      const h2 = tf.relu(tf.add(grouped, b2)); // [B, 8, 8, K, 16]
      const pooledAll = tf.maxPool(
        tf.reshape(h2, [B, conv2Side, conv2Side, K * 16]) as tf.Tensor4D,
        2,
        2,
        "valid",
      );
      const pooled = tf.transpose(tf.reshape(pooledAll, [B, side, side, K, 16]), [3, 0, 1, 2, 4]);
      let z = tf.reshape(pooled, [K, B, flat]) as tf.Tensor3D;
      z = tf.relu(tf.add(tf.matMul(z, w3 as tf.Tensor3D), b3));
      z = tf.relu(tf.add(tf.matMul(z, w4 as tf.Tensor3D), b4));
      return tf.add(tf.matMul(z, w5 as tf.Tensor3D), b5) as tf.Tensor3D;
    });

  const expandMask = (mask: tf.Tensor1D, i: number): tf.Tensor =>
    tf.tidy(() => {
      const v = variables[i];
      const { axis, group } = layout[i];
      const along = tf.reshape(tf.tile(tf.reshape(mask, [K, 1]), [1, group]), [K * group]);
      const shape = v.shape.map((d, j) => (j === axis ? d : 1));
      return tf.broadcastTo(tf.reshape(along, shape), v.shape);
    });
  // Booleans become real floats (`where`) before reducing: on webgpu a bool
  // tensor cast to float keeps its integer buffer, and `tf.all` along an
  // axis of a reshaped bool tensor returns false (both measured).
  const finitePerModel = (tensor: tf.Tensor, i: number): tf.Tensor1D =>
    tf.tidy(() => {
      const { axis } = layout[i];
      const ok = tf.where(tf.isFinite(tensor), tf.onesLike(tensor), tf.zerosLike(tensor));
      const perm = [axis, ...tensor.shape.map((_, j) => j).filter((j) => j !== axis)];
      return tf.min(tf.reshape(tf.transpose(ok, perm), [K, -1]), 1) as tf.Tensor1D;
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
