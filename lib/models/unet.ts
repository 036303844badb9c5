// The 2D U-Net of Appendix A.6 (Table 5), after clemkoa/u-net as the paper
// modified it: DoubleConv(c → w), four DownLayers (max-pool 2, DoubleConv
// doubling the width), four UpLayers (ConvTranspose2d k2 s2 halving the
// width, pad to the skip's size, concat [upsampled, skip], DoubleConv: its
// first convolution computed as the sum over the two parts), and a
// 1×1 convolution to one logit per pixel. DoubleConv is (conv 3×3 pad 1 →
// BatchNorm → ReLU) twice.
//
// BatchNorm runs as in PyTorch's training mode: each batch is normalized by
// its own mean and biased variance (ε = 1e-5). Running statistics only serve
// evaluation, which the paper's protocol never does, so none are kept.
//
// MNIST's 28×28 shrinks to 14, 7, 3, 1 (max-pool floors), so the decoder's
// upsampled maps (2, 6, 14, 28) are padded by F.pad's rule: half the
// difference before, the rest after.
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../data/random.ts";
import { constantVariable, uniformVariable } from "./_init.ts";
import { batchNormRelu } from "./_batch_norm.ts";
// tfjs-wasm has no Conv2DBackpropFilter; ours makes this model trainable there.
import "../kernels/gradients/conv2d_backprop_filter_wasm.ts";
import "../kernels/gradients/conv2d_backprop_input_wasm.ts";
import "../kernels/gradients/batch_mat_mul_wasm.ts";
import "../kernels/gradients/max_pool_grad_wasm.ts";
// The 3×3 convolutions with few channels (up to 32): our FMA kernels on wasm.
import "../kernels/gradients/conv3x3_wasm.ts";

/** Options of {@linkcode createUNet}. */
export interface UNetOptions {
  /** Input channels. @default {1} */
  channels?: number;
  /** Width of the first DoubleConv; each level doubles it. @default {64} (Appendix A.6) */
  width?: number;
}

/** A U-Net: variables, and logits [B, H, W, 1] of images [B, H, W, C]. */
export interface UNet {
  width: number;
  variables: tf.Variable[];
  forward(images: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** Parameters of a U-Net, as Table 5 counts them (BatchNorm scale and shift included). */
export function unetParameterCount({ channels = 1, width = 64 }: UNetOptions = {}): number {
  const doubleConv = (i: number, o: number) => 9 * i * o + o + 2 * o + 9 * o * o + o + 2 * o;
  let total = doubleConv(channels, width);
  for (let level = 0; level < 4; level++) total += doubleConv(width << level, width << (level + 1));
  for (let level = 4; level > 0; level--) {
    const i = width << level, o = width << (level - 1);
    total += 4 * i * o + o + doubleConv(i, o);
  }
  return total + width + 1;
}

/**
 * Multiply-adds of the U-Net's convolutions for one image of `size`×`size`
 * (MNIST's 28 by default): the forward pass, and a training step's (the
 * forward, each convolution's filter gradient and, but for the first, its
 * input gradient: each as many as its forward). The 3×3 convolutions are
 * counted over padded outputs, the transposed ones (k2 s2) as 4 taps per
 * input pixel; BatchNorm, ReLU, pooling and biases are not counted.
 */
export function unetMultiplyAdds(
  { channels = 1, width = 64 }: UNetOptions = {},
  size = 28,
): { forward: number; step: number } {
  const sizes = [size];
  for (let level = 0; level < 4; level++) sizes.push(Math.floor(sizes[level] / 2));
  const doubleConv = (i: number, o: number, h: number) => 9 * i * o * h * h + 9 * o * o * h * h;
  const first = 9 * channels * width * size * size;
  let forward = doubleConv(channels, width, size);
  for (let level = 0; level < 4; level++) {
    forward += doubleConv(width << level, width << (level + 1), sizes[level + 1]);
  }
  for (let level = 4; level > 0; level--) {
    const i = width << level, o = width << (level - 1);
    forward += 4 * i * o * sizes[level] ** 2 + doubleConv(i, o, sizes[level - 1]);
  }
  forward += width * size * size;
  return { forward, step: 3 * forward - first };
}

/** A freshly initialized U-Net, PyTorch's default initialization from a seeded generator. */
export function createUNet(options: UNetOptions, seed: number): UNet {
  const { channels = 1, width = 64 } = options;
  const random = mulberry32(seed);
  const variables: tf.Variable[] = [];
  const add = (v: tf.Variable) => (variables.push(v), v);

  type Layer = (x: tf.Tensor4D) => tf.Tensor4D;
  const conv3 = (i: number, o: number): Layer => {
    const w = add(uniformVariable(random, [3, 3, i, o], 9 * i));
    const b = add(uniformVariable(random, [o], 9 * i));
    return (x) => tf.add(tf.conv2d(x, w as tf.Tensor4D, 1, "same"), b);
  };
  // BatchNorm, then the ReLU: one op (a fused kernel each way on wasm).
  const batchNormThenRelu = (o: number): Layer => {
    const scale = add(constantVariable([o], 1));
    const shift = add(constantVariable([o], 0));
    return (x) => batchNormRelu(x, scale as tf.Tensor1D, shift as tf.Tensor1D, 1e-5);
  };
  const doubleConv = (i: number, o: number): Layer => {
    const layers = [conv3(i, o), batchNormThenRelu(o), conv3(o, o), batchNormThenRelu(o)];
    return (x) => layers.reduce((h, f) => f(h), x);
  };
  // The decoder's DoubleConv on [upsampled, skip] without concatenating
  // them: a 3×3 convolution of the concatenation is the sum of each part's
  // convolution with its half of the weight's input channels, which spares
  // the copy forward and its split backward (the same weights, drawn alike).
  const pairDoubleConv = (i: number, o: number) => {
    const w = add(uniformVariable(random, [3, 3, i, o], 9 * i));
    const b = add(uniformVariable(random, [o], 9 * i));
    const rest = [batchNormThenRelu(o), conv3(o, o), batchNormThenRelu(o)];
    return (upsampled: tf.Tensor4D, skip: tf.Tensor4D) => {
      const [wUp, wSkip] = tf.split(w, [upsampled.shape[3], skip.shape[3]], 2) as tf.Tensor4D[];
      const first = tf.add(
        tf.add(tf.conv2d(upsampled, wUp, 1, "same"), tf.conv2d(skip, wSkip, 1, "same")),
        b,
      ) as tf.Tensor4D;
      return rest.reduce((h, f) => f(h), first);
    };
  };
  const down = (i: number, o: number): Layer => {
    const conv = doubleConv(i, o);
    return (x) => conv(tf.maxPool(x, 2, 2, "valid"));
  };
  const up = (i: number, o: number) => {
    // PyTorch's ConvTranspose2d weight is [in, out, k, k]: its fan_in is out·k·k.
    const w = add(uniformVariable(random, [2, 2, o, i], 4 * o));
    const b = add(uniformVariable(random, [o], 4 * o));
    const conv = pairDoubleConv(i, o);
    return (skip: tf.Tensor4D, deep: tf.Tensor4D) => {
      const [n, h, wd] = deep.shape;
      let upsampled = tf.add(
        tf.conv2dTranspose(deep, w as tf.Tensor4D, [n, 2 * h, 2 * wd, o], 2, "valid"),
        b,
      ) as tf.Tensor4D;
      const dy = skip.shape[1] - 2 * h, dx = skip.shape[2] - 2 * wd;
      if (dy !== 0 || dx !== 0) {
        upsampled = tf.pad(upsampled, [[0, 0], [dy >> 1, dy - (dy >> 1)], [
          dx >> 1,
          dx - (dx >> 1),
        ], [0, 0]]);
      }
      return conv(upsampled, skip);
    };
  };

  const w = width;
  const conv1 = doubleConv(channels, w);
  const downs = [down(w, 2 * w), down(2 * w, 4 * w), down(4 * w, 8 * w), down(8 * w, 16 * w)];
  const ups = [up(16 * w, 8 * w), up(8 * w, 4 * w), up(4 * w, 2 * w), up(2 * w, w)];
  const last = add(uniformVariable(random, [1, 1, w, 1], w));
  const lastBias = add(uniformVariable(random, [1], w));

  const forward = (images: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const skips = [conv1(images)];
      for (const layer of downs) skips.push(layer(skips[skips.length - 1]));
      let h = skips[4];
      ups.forEach((layer, k) => (h = layer(skips[3 - k], h)));
      return tf.add(tf.conv2d(h, last as tf.Tensor4D, 1, "valid"), lastBias) as tf.Tensor4D;
    });
  return { width, variables, forward, dispose: () => tf.dispose(variables) };
}
