// The binary-classification CNN of Appendix A.4 (Table 2), after the PyTorch
// CIFAR-10 tutorial network: conv 6@5×5 → max-pool 2 → conv 16@5×5 →
// max-pool 2 → fc 120 → fc 84 → fc 1 (a logit), ReLU between.
//
// Functional: the weights are tf.Variables and `forward` is tf ops, so that
// the same code can later run many models of a grid at once.
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../data/random.ts";
import { uniformVariable } from "./_init.ts";
// tfjs-wasm has no Conv2DBackpropFilter; ours makes this model trainable there.
import "../kernels/gradients/conv2d_backprop_filter_wasm.ts";
import "../kernels/gradients/conv2d_backprop_input_wasm.ts";
import "../kernels/gradients/batch_mat_mul_wasm.ts";
import "../kernels/gradients/max_pool_grad_wasm.ts";
import {
  fusedBinaryCnnAvailable,
  fusedBinaryCnnForward,
} from "../kernels/training/binary_cnn_wasm.ts";

/** Input geometry: MNIST is 28×28×1, CIFAR-10 32×32×3. */
export interface BinaryCnnShape {
  size: number;
  channels: number;
}

/** The CNN's weights, NHWC convolution filters and [in, out] dense kernels. */
export interface BinaryCnn {
  shape: BinaryCnnShape;
  variables: tf.Variable[];
  forward(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

/** Side of the feature map after conv 5 → pool 2 → conv 5 → pool 2. */
export function featureSide(size: number): number {
  return Math.floor((Math.floor((size - 4) / 2) - 4) / 2);
}

/** Parameters per layer, in Table 2's order. */
export function parameterCounts({ size, channels }: BinaryCnnShape): number[] {
  const flat = featureSide(size) ** 2 * 16;
  return [5 * 5 * channels * 6 + 6, 5 * 5 * 6 * 16 + 16, flat * 120 + 120, 120 * 84 + 84, 84 + 1];
}

/**
 * A freshly initialized CNN. Initialization is PyTorch's default for
 * nn.Conv2d and nn.Linear — weights and biases U(−1/√fan_in, 1/√fan_in)
 * (kaiming_uniform with a = √5) — drawn from a seeded generator, so a seed
 * gives the same network on every backend.
 */
export function createBinaryCnn(shape: BinaryCnnShape, seed: number): BinaryCnn {
  const random = mulberry32(seed);
  const uniform = (dims: number[], fanIn: number) => uniformVariable(random, dims, fanIn);
  const flat = featureSide(shape.size) ** 2 * 16;
  const c = shape.channels;
  const w1 = uniform([5, 5, c, 6], 25 * c), b1 = uniform([6], 25 * c);
  const w2 = uniform([5, 5, 6, 16], 150), b2 = uniform([16], 150);
  const w3 = uniform([flat, 120], flat), b3 = uniform([120], flat);
  const w4 = uniform([120, 84], 120), b4 = uniform([84], 120);
  const w5 = uniform([84, 1], 84), b5 = uniform([1], 84);
  const variables = [w1, b1, w2, b2, w3, b3, w4, b4, w5, b5];
  // On wasm, MNIST-shaped batches run as two fused kernels (forward, backward).
  const forward = (images: tf.Tensor4D): tf.Tensor2D =>
    fusedBinaryCnnAvailable(images) ? fusedBinaryCnnForward(images, variables) : tf.tidy(() => {
      const pool = (t: tf.Tensor4D) => tf.maxPool(t, 2, 2, "valid");
      let h = pool(tf.relu(tf.add(tf.conv2d(images, w1 as tf.Tensor4D, 1, "valid"), b1)));
      h = pool(tf.relu(tf.add(tf.conv2d(h, w2 as tf.Tensor4D, 1, "valid"), b2)));
      let z = tf.reshape(h, [images.shape[0], flat]) as tf.Tensor2D;
      z = tf.relu(tf.add(tf.matMul(z, w3 as tf.Tensor2D), b3));
      z = tf.relu(tf.add(tf.matMul(z, w4 as tf.Tensor2D), b4));
      return tf.add(tf.matMul(z, w5 as tf.Tensor2D), b5);
    });
  return { shape, variables, forward, dispose: () => tf.dispose(variables) };
}
