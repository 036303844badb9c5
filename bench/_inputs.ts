// The benchmarks' inputs, one maker per loss, shared by the `deno bench`
// files and bench/versus.ts, and mirrored by the PyTorch peer
// (bench/peers/torchvision_focal.py: binary, multiclass, soft_quality, masks).
import * as tf from "@tensorflow/tfjs";

/** Logits and targets of one benchmark. */
export interface Inputs {
  x: tf.Tensor;
  t: tf.Tensor;
}

/** The softmax benchmarks' class count: sizes count logits (rows × classes). */
export const CLASSES = 8;

/** Sigmoid: logits N(0, 8²), a third of the targets 1 (the anchor's inputs). */
export function binaryInputs(size: number): Inputs {
  return {
    x: tf.mul(tf.randomNormal([size], 0, 1, "float32", 1), 8),
    t: tf.cast(tf.less(tf.randomUniform([size], 0, 1, "float32", 2), 0.3), "float32"),
  };
}

/** Softmax: logits N(0, 8²) of `size / CLASSES` rows, one-hot targets. */
export function softmaxInputs(size: number): Inputs {
  const rows = size / CLASSES;
  return {
    x: tf.mul(tf.randomNormal([rows, CLASSES], 0, 1, "float32", 3), 8),
    t: tf.oneHot(tf.randomUniform([rows], 0, CLASSES, "int32", 4), CLASSES).toFloat(),
  };
}

/**
 * The class-index comparison's class count (bench:versus): int32 labels
 * against one-hot targets over the same logits.
 */
export const INDEX_CLASSES = 16;

/**
 * Softmax at INDEX_CLASSES classes: logits N(0, 8²) of `size / 16` rows and
 * their labels, as int32 class indices (`indices`) or one-hot targets.
 */
export function softmaxIndexInputs(size: number, indices: boolean): Inputs {
  const rows = size / INDEX_CLASSES;
  const labels = tf.randomUniform([rows], 0, INDEX_CLASSES, "int32", 6);
  return {
    x: tf.mul(tf.randomNormal([rows, INDEX_CLASSES], 0, 1, "float32", 5), 8),
    t: indices ? labels : tf.oneHot(labels, INDEX_CLASSES).toFloat(),
  };
}

/** Quality: logits N(0, 8²); targets 0 for 70%, a quality U(0, 1) for the rest. */
export function qualityInputs(size: number): Inputs {
  return {
    x: tf.mul(tf.randomNormal([size], 0, 1, "float32", 1), 8),
    t: tf.mul(
      tf.cast(tf.less(tf.randomUniform([size], 0, 1, "float32", 2), 0.3), "float32"),
      tf.randomUniform([size], 0, 1, "float32", 3),
    ),
  };
}

/**
 * [images, H, W, 1] of `size` elements: 4 images of 32² at 2^12, 16 images
 * above, square where size/images is a square (2^16: 64², 2^20: 256²), else
 * W = 2H (2^17: 64 × 128).
 */
export function maskShape(size: number): [number, number, number, number] {
  const images = size <= 2 ** 12 ? 4 : 16;
  const pixels = size / images;
  const h = 2 ** Math.floor(Math.log2(pixels) / 2);
  if (!Number.isInteger(pixels / h)) {
    throw new RangeError(`mask inputs take 4 or 16 images of a power of two pixels: ${size}`);
  }
  return [images, h, pixels / h, 1];
}

/** Unified: logits N(0, 4²) and masks with 30% foreground, [images, H, W, 1]. */
export function maskInputs(size: number): Inputs {
  const shape = maskShape(size);
  return {
    x: tf.mul(tf.randomNormal(shape, 0, 1, "float32", 1), 4),
    t: tf.cast(tf.less(tf.randomUniform(shape, 0, 1, "float32", 2), 0.3), "float32"),
  };
}
