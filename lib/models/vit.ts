// A Vision Transformer (Appendix A.5, Table 4: google/vit-base-patch16-224 as
// timm builds it) from tfjs ops: patch embedding (a p×p convolution with
// stride p, as a matMul over flattened patches), a class token, learned
// position embeddings, pre-norm blocks (LayerNorm → multi-head
// self-attention → residual; LayerNorm → MLP with GELU → residual), a final
// LayerNorm and a linear head on the class token, giving one logit.
//
// Table 4 says "Block: 2-x (repeated 14 times)", but its total, 85,799,425,
// is exactly 12 blocks of 7,087,872 parameters plus the embeddings, norm and
// head (vit-base has depth 12): the "14" is a misprint, and depth 12 gives
// Table 4's count to the parameter.
//
// Inputs smaller than `imageSize` (CIFAR-10's 32×32 for the paper's 224) are
// resized bilinearly inside `forward`, as the paper's pipeline resized them.
import * as tf from "@tensorflow/tfjs";
import "../kernels/gradients/batch_mat_mul_wasm.ts";
import { mulberry32 } from "../data/random.ts";
import { constantVariable, truncatedNormalVariable } from "./_init.ts";

/** Options of {@linkcode createVit}: the paper's are the defaults. */
export interface VitOptions {
  /** @default {224} */
  imageSize?: number;
  /** @default {16} */
  patchSize?: number;
  /** @default {3} */
  channels?: number;
  /** Embedding width. @default {768} */
  width?: number;
  /** Number of blocks. @default {12} */
  depth?: number;
  /** Attention heads. @default {12} */
  heads?: number;
  /** MLP hidden width ÷ width. @default {4} */
  mlpRatio?: number;
}

/** A ViT: variables, and one logit [B, 1] per image [B, H, W, C]. */
export interface Vit {
  options: Required<VitOptions>;
  variables: tf.Variable[];
  forward(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

function withDefaults(options: VitOptions): Required<VitOptions> {
  const o = {
    imageSize: 224,
    patchSize: 16,
    channels: 3,
    width: 768,
    depth: 12,
    heads: 12,
    mlpRatio: 4,
    ...options,
  };
  if (o.imageSize % o.patchSize !== 0) {
    throw new RangeError(
      `'imageSize' must be a multiple of 'patchSize' (${o.patchSize}): received ${o.imageSize}`,
    );
  }
  if (o.width % o.heads !== 0) {
    throw new RangeError(`'width' must be a multiple of 'heads' (${o.heads}): received ${o.width}`);
  }
  return o;
}

/** Parameters of a ViT, counted as Table 4 does. */
export function vitParameterCount(options: VitOptions = {}): number {
  const { imageSize, patchSize, channels, width: d, depth, mlpRatio } = withDefaults(options);
  const tokens = (imageSize / patchSize) ** 2 + 1;
  const hidden = mlpRatio * d;
  const block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (d * hidden + hidden) +
    (hidden * d + d);
  return tokens * d + d + (patchSize * patchSize * channels * d + d) + depth * block + 2 * d + d +
    1;
}

/**
 * A freshly initialized ViT: timm's initialization (weights N(0, 0.02²)
 * truncated at ±2σ, zero biases, unit LayerNorm scales) from a seeded generator.
 */
export function createVit(options: VitOptions, seed: number): Vit {
  const o = withDefaults(options);
  const { imageSize, patchSize: p, channels, width: d, depth, heads, mlpRatio } = o;
  const grid = imageSize / p;
  const tokens = grid * grid + 1;
  const hidden = mlpRatio * d;
  const headWidth = d / heads;
  const random = mulberry32(seed);
  const variables: tf.Variable[] = [];
  const add = (v: tf.Variable) => (variables.push(v), v);
  const normal = (dims: number[]) => add(truncatedNormalVariable(random, dims, 0.02));
  const zeros = (dims: number[]) => add(constantVariable(dims, 0));
  const ones = (dims: number[]) => add(constantVariable(dims, 1));

  const layerNorm = () => {
    const scale = ones([d]), shift = zeros([d]);
    return (x: tf.Tensor3D): tf.Tensor3D => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6))), scale), shift);
    };
  };
  const linear = (i: number, out: number) => {
    const w = normal([i, out]), b = zeros([out]);
    return (x: tf.Tensor3D): tf.Tensor3D => {
      const [n, t] = x.shape;
      return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [n * t, i]), w as tf.Tensor2D), b), [
        n,
        t,
        out,
      ]);
    };
  };
  // GELU as nn.GELU: x·Φ(x) with the exact erf.
  const gelu = (x: tf.Tensor3D): tf.Tensor3D =>
    tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));

  const patchWeight = normal([p * p * channels, d]), patchBias = zeros([d]);
  const classToken = normal([1, 1, d]);
  const position = normal([1, tokens, d]);
  const blocks = Array.from({ length: depth }, () => {
    const norm1 = layerNorm(), qkv = linear(d, 3 * d), proj = linear(d, d);
    const norm2 = layerNorm(), fc1 = linear(d, hidden), fc2 = linear(hidden, d);
    return (x: tf.Tensor3D): tf.Tensor3D => {
      const [n, t] = x.shape;
      // [n, t, 3·d] → three [n, heads, t, hw]. Split first, then a rank-4
      // transpose each: tfjs-wasm's rank-5 Transpose of the whole [n, t, 3,
      // heads, hw] took 104 ms a call at batch 128 (a third of a step),
      // these 1.4 ms; the values are the same (both only move data).
      const [q, k, v] = tf.split(qkv(norm1(x)), 3, 2).map((part) =>
        tf.transpose(tf.reshape(part, [n, t, heads, headWidth]), [0, 2, 1, 3])
      ) as tf.Tensor4D[];
      const attention = tf.softmax(
        tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headWidth)),
      );
      const mixed = tf.reshape(tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]), [n, t, d]);
      const h = tf.add(x, proj(mixed as tf.Tensor3D)) as tf.Tensor3D;
      return tf.add(h, fc2(gelu(fc1(norm2(h))))) as tf.Tensor3D;
    };
  });
  const norm = layerNorm();
  const headWeight = normal([d, 1]), headBias = zeros([1]);

  const forward = (images: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const n = images.shape[0];
      const x = images.shape[1] === imageSize && images.shape[2] === imageSize
        ? images
        : tf.image.resizeBilinear(images, [imageSize, imageSize]);
      // [n, H, W, C] → patches [n, grid², p·p·C] in (row, col, channel) order
      const patches = tf.reshape(
        tf.transpose(tf.reshape(x, [n, grid, p, grid, p, channels]), [0, 1, 3, 2, 4, 5]),
        [n * grid * grid, p * p * channels],
      );
      const embedded = tf.reshape(
        tf.add(tf.matMul(patches, patchWeight as tf.Tensor2D), patchBias),
        [n, grid * grid, d],
      );
      let h = tf.add(
        tf.concat([tf.tile(classToken, [n, 1, 1]), embedded], 1),
        position,
      ) as tf.Tensor3D;
      for (const block of blocks) h = block(h);
      const cls = tf.reshape(tf.slice(norm(h), [0, 0, 0], [n, 1, d]), [n, d]);
      return tf.add(tf.matMul(cls, headWeight as tf.Tensor2D), headBias) as tf.Tensor2D;
    });
  return { options: o, variables, forward, dispose: () => tf.dispose(variables) };
}
