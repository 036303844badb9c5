// Batches of images as the official code feeds them to its models: each
// image of each batch of each epoch gets fresh noise, U[0, 1) × amplitude
// added to pixel/255 and clipped to [0, 1] (Sec. 2.5.1; the code draws
// torch.rand per batch), then an optional normalization (CIFAR-10's
// (x − 0.5)/0.5). Targets are one per image, or one per pixel taken from the
// clean image (the segmentation masks of Sec. 2.5.3: noise never moves them).
//
// The images stay bytes in JS memory, shared by every run of a worker; a
// batch is built in one pass. At batch 64 of MNIST that is 50,176 uniform
// draws, so they come from an xorshift32 stream inlined in the loop
// (NoiseStream, seeded by mulberry32), not a generator called per draw
// (docs/kernels.md, "Measured reasons"). bench:training measures the
// noise's share of a training step.
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "./random.ts";

/**
 * The state of a seeded noise stream (xorshift32, Marsaglia 2003; 2^32 − 1
 * states), which imageBatchInto draws from: plenty for additive pixel noise,
 * and cheap enough to draw once per pixel per batch.
 */
export class NoiseStream {
  /** The generator's state: never 0. */
  state: number;

  constructor(seed: number) {
    this.state = (Math.floor(mulberry32(seed)() * 4294967295) >>> 0) || 0x9e3779b9;
  }
}

/** A source of training batches, as lib/train/train_binary.ts consumes it. */
export interface BinaryBatches {
  /** Samples in the training set. */
  count: number;
  /**
   * The model's inputs and binary targets for the samples `indices`, in
   * that order; called once per step, in training order. The caller
   * disposes both tensors.
   */
  batch(indices: Int32Array): { inputs: tf.Tensor; targets: tf.Tensor };
  /** The source's random state after the batches drawn so far (for a checkpoint). */
  state?(): number[];
  /** Sets the random state that state() gave, to continue from there. */
  restore?(state: number[]): void;
}

/** Options of {@linkcode imageBatches}. */
export interface ImageBatchesOptions {
  /** N images, row-major [h, w, c] bytes each. */
  images: Uint8Array;
  /** [height, width, channels] of one image. */
  shape: readonly [number, number, number];
  /** One target per image, or per pixel: 1 where the clean pixel/255 exceeds `maskAbove`. */
  targets: Float32Array | { maskAbove: number };
  /** Amplitude of the fresh U[0, 1) noise; 0 for none. @default {0} */
  noise?: number;
  /** Applied after the noise and clipping: (v − mean)/std. @default {none} */
  normalize?: { mean: number; std: number };
  /** Seeds the noise stream of this source. @default {0} */
  seed?: number;
}

/**
 * One batch's pixels: v = pixel/255, plus amplitude·U[0, 1) and clipped to
 * [0, 1] when there is noise, then normalized. Writes `out` (length
 * indices.length × pixels) and returns it.
 */
export function imageBatchInto(
  out: Float32Array,
  images: Uint8Array,
  pixels: number,
  indices: Int32Array,
  options: { noise: number; stream: NoiseStream; normalize?: { mean: number; std: number } },
): Float32Array {
  const { noise, stream, normalize } = options;
  const shift = normalize?.mean ?? 0;
  const scale = 1 / (normalize?.std ?? 1);
  if (noise === 0) {
    // Without noise a value depends on its byte alone: a table of the 256
    // values the two passes below would give (the same float32s), in one pass.
    const table = new Float32Array(256).map((_, p) => p / 255);
    if (normalize) table.forEach((v, p) => table[p] = (v - shift) * scale);
    for (let b = 0, k = 0; b < indices.length; b++) {
      const from = indices[b] * pixels;
      for (let i = 0; i < pixels; i++, k++) out[k] = table[images[from + i]];
    }
    return out;
  }
  // xorshift32, inlined, with the state in a local for the whole batch.
  let s = stream.state | 0;
  let k = 0;
  for (let b = 0; b < indices.length; b++) {
    const from = indices[b] * pixels;
    {
      for (let i = 0; i < pixels; i++, k++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const v = images[from + i] / 255 + noise * ((s >>> 0) * 2.3283064365386963e-10);
        out[k] = v < 1 ? v : 1;
      }
    }
  }
  stream.state = s >>> 0;
  if (normalize) { for (let i = 0; i < k; i++) out[i] = (out[i] - shift) * scale; }
  return out;
}

/** Batches of `options.images` with the official code's per-batch noise. */
export function imageBatches(options: ImageBatchesOptions): BinaryBatches {
  const { images, shape, targets, noise = 0, normalize, seed = 0 } = options;
  const pixels = shape[0] * shape[1] * shape[2];
  const count = images.length / pixels;
  if (!Number.isInteger(count)) {
    throw new RangeError(
      `images must hold whole ${shape.join("×")} images: ${images.length} bytes`,
    );
  }
  if (targets instanceof Float32Array && targets.length !== count) {
    throw new RangeError(`one target per image: ${targets.length} targets for ${count} images`);
  }
  const stream = new NoiseStream(seed);
  let reusable = new Float32Array(0);
  return {
    count,
    state: () => [stream.state],
    restore: ([state]) => {
      if (!(Number.isInteger(state) && state > 0 && state < 2 ** 32)) {
        throw new RangeError(`a noise stream's state is a nonzero uint32: received ${state}`);
      }
      stream.state = state;
    },
    batch(indices) {
      const size = indices.length * pixels;
      // The wasm backend copies the array into its heap when the tensor is
      // made, so one array serves every batch: first writing a fresh one (1.5
      // MB for a CIFAR-10 batch of 128) costs page faults, more than the pass
      // itself (docs/kernels.md, "Measured reasons"). Elsewhere a new array each batch:
      // the cpu backend keeps the array it is given as the tensor's storage,
      // and webgpu uploads it later, so a reused one would change earlier batches.
      if (tf.getBackend() !== "wasm" || reusable.length !== size) reusable = new Float32Array(size);
      const x = reusable;
      imageBatchInto(x, images, pixels, indices, { noise, stream, normalize });
      const inputs = tf.tensor4d(x, [indices.length, ...shape]);
      let y: Float32Array;
      if (targets instanceof Float32Array) y = Float32Array.from(indices, (i) => targets[i]);
      else {
        y = new Float32Array(size);
        const threshold = targets.maskAbove;
        for (let b = 0, k = 0; b < indices.length; b++) {
          const from = indices[b] * pixels;
          for (let i = 0; i < pixels; i++, k++) y[k] = images[from + i] / 255 > threshold ? 1 : 0;
        }
      }
      const shapeOfY = targets instanceof Float32Array
        ? [indices.length, 1]
        : [indices.length, ...shape];
      return { inputs, targets: tf.tensor(y, shapeOfY) };
    },
  };
}
