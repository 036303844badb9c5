import * as tf from "@tensorflow/tfjs";
import type { Reduction, StabilizationOptions } from "./types.ts";
import { sigmoidFocalLoss } from "./sigmoid_focal_loss.ts";
import { checkAtLeast, checkFinite, checkFloatTensor } from "./_validate.ts";

/** Options of {@linkcode adaptiveFocalGamma}. */
export interface AdaptiveGammaOptions {
  /**
   * Whose smoothness enters γ: `"first"`, the batch's first mask, as the
   * authors' code takes it; or `"mean"`, every mask's, averaged.
   * @default {"first"}
   */
  smoothness?: "first" | "mean";
}

/** Options of {@linkcode adaptiveFocalLoss}. */
export interface AdaptiveFocalLossOptions extends StabilizationOptions, AdaptiveGammaOptions {
  /**
   * γ of the modulating factor: `"adaptive"` computes it from each batch's
   * masks ({@linkcode adaptiveFocalGamma}); a number ≥ 0 fixes it.
   * @default {"adaptive"}
   */
  gamma?: "adaptive" | number;
  /**
   * How pixels are weighted: `"none"`; a number α ∈ [0, 1], the α_t of the
   * paper's formula (α for foreground pixels, 1 − α for background); or
   * `"authors"`, the authors' code: their two sigmoid channels
   * (background, foreground) weighted by the normalized inverse frequencies
   * [bg, fg] / (fg + bg) in that channel order, with one logit per pixel
   * mapped to the channels' logits −x and x. The two channels' terms are
   * then equal, their weights sum to 1, and the loss is half the unweighted
   * one: the weighting cancels (the fixture's authors' composition shows it).
   * @default {"none"}
   */
  weighting?: "none" | "authors" | number;
  /**
   * How the per-pixel losses are combined.
   * @default {"mean"}
   */
  reduction?: Reduction;
}

/** The tensor's values, read synchronously, or a RangeError that says how to do without. */
function readSync(targets: tf.Tensor): ArrayLike<number> {
  try {
    return targets.dataSync();
  } catch (cause) {
    throw new RangeError(
      `adaptive γ reads the targets synchronously, which the ${tf.getBackend()} backend cannot ` +
        "do here: pass gamma: adaptiveFocalGamma({ values: await targets.data(), shape: " +
        "targets.shape })",
      { cause },
    );
  }
}

/** The spatial extents of a batch of masks: [B, ...spatial] or [B, ...spatial, 1]. */
function spatialShape(shape: number[]): number[] {
  const spatial = shape.slice(1);
  if (spatial.length >= 2 && spatial.at(-1) === 1) spatial.pop();
  if (spatial.length === 0 || spatial.some((n) => n < 2)) {
    throw new RangeError(
      `'targets' must be masks [batch, ...spatial] (or with a last axis of 1), each spatial ` +
        `axis at least 2 long: received shape [${shape.join(", ")}]`,
    );
  }
  return spatial;
}

/**
 * The mean over a mask of the magnitude of its gradient, sqrt(Σ_axis g²),
 * each g numpy's `np.gradient` along that axis: central differences inside,
 * one-sided first-order differences at the ends.
 */
function smoothnessOf(mask: Float64Array, dims: number[]): number {
  const strides = dims.map((_, a) => dims.slice(a + 1).reduce((p, n) => p * n, 1));
  const squared = new Float64Array(mask.length);
  dims.forEach((n, a) => {
    const s = strides[a];
    for (let i = 0; i < mask.length; i++) {
      const k = Math.floor(i / s) % n;
      const g = k === 0
        ? mask[i + s] - mask[i]
        : k === n - 1
        ? mask[i] - mask[i - s]
        : (mask[i + s] - mask[i - s]) / 2;
      squared[i] += g * g;
    }
  });
  let sum = 0;
  for (let i = 0; i < squared.length; i++) sum += Math.sqrt(squared[i]);
  return sum / squared.length;
}

/**
 * The Adaptive Focal Loss's γ for a batch of masks (arXiv 2407.09828, as its
 * authors' code computes it on every training batch): the smoothness of the
 * masks (the mean magnitude of `np.gradient` over the spatial axes, of the
 * first mask by default) plus the foreground fraction of the whole batch. A
 * pixel is foreground where its target is not 0. It depends on the targets
 * alone, reads them back from the device, and is one number per batch.
 *
 * On a backend that cannot read synchronously (webgpu under Deno or
 * Node.js), give the values instead of the tensor:
 * `adaptiveFocalGamma({ values: await targets.data(), shape: targets.shape })`.
 *
 * @param targets Masks [batch, ...spatial] or [batch, ...spatial, 1], 2D or
 * 3D: a float32 tensor, or its values and shape.
 * @param options Whose smoothness: the first mask's (the authors') or the mean.
 * @returns γ ≥ 0 (small foregrounds give γ ≪ 1).
 * @throws {RangeError} If a spatial axis is shorter than 2 or an option is unknown.
 *
 * @example A 4×4 mask with a 2×2 square
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { adaptiveFocalGamma } from "@focal/stability";
 *
 * const square = [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0];
 * const gamma = adaptiveFocalGamma(tf.tensor3d(square, [1, 4, 4]));
 * // np.gradient's magnitude: 1 on the 8 edge-adjacent border pixels, √½ on the
 * // square's 4 pixels, 0 in the corners; foreground 4/16. γ = 0.677 + 0.25:
 * const smoothness = (8 + 4 * Math.SQRT1_2) / 16;
 * assert.ok(Math.abs(gamma - (smoothness + 0.25)) < 1e-12);
 * ```
 */
export function adaptiveFocalGamma(
  targets: tf.Tensor | { values: ArrayLike<number>; shape: number[] },
  options: AdaptiveGammaOptions = {},
): number {
  const { smoothness = "first" } = options;
  if (smoothness !== "first" && smoothness !== "mean") {
    throw new RangeError(
      `'smoothness' must be "first" or "mean": received ${JSON.stringify(smoothness)}`,
    );
  }
  let values: ArrayLike<number>;
  if (targets instanceof tf.Tensor) {
    checkFloatTensor("targets", targets);
    values = readSync(targets);
  } else {
    values = targets.values;
    if (values.length !== targets.shape.reduce((p, n) => p * n, 1)) {
      throw new RangeError(
        `'targets': ${values.length} values for shape [${targets.shape.join(", ")}]`,
      );
    }
  }
  const dims = spatialShape(targets.shape);
  const size = dims.reduce((p, n) => p * n, 1);
  const batch = targets.shape[0];
  let foreground = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) foreground++;
  const maskAt = (b: number) =>
    Float64Array.from({ length: size }, (_, i) => (values[b * size + i] !== 0 ? 1 : 0));
  const smooth = smoothness === "first" ? smoothnessOf(maskAt(0), dims) : Array.from(
    { length: batch },
    (_, b) => smoothnessOf(maskAt(b), dims),
  ).reduce((s, v) => s + v, 0) / batch;
  return smooth + foreground / values.length;
}

/**
 * The Adaptive Focal Loss (Islam et al., arXiv 2407.09828) for binary
 * segmentation, from logits: the focal loss of Eq. (2),
 *
 *   AFL(x, t) = −w · (1 − p_t)^γ · log p_t,  p = σ(x),
 *
 * with γ computed from each batch's masks ({@linkcode adaptiveFocalGamma}):
 * smoothness plus foreground fraction, which for small structures is well
 * inside (0, 1), where the original's gradient is singular at p_t = 1
 * (van Leeuwen et al., Eq. (8), (9)). `stabilization` picks the form:
 *
 * - `"none"`: the paper's formula with `pow`, composed as
 *   `torchvision.ops.sigmoid_focal_loss`: NaN where a pixel saturates.
 * - `"epsilon"`: Eq. (11), `(1 − p_t + ε)^γ`.
 * - `"exact"` (default): the values of Eq. (2) in log space with the
 *   analytic gradient: finite everywhere.
 *
 * The authors' code runs MONAI's sigmoid focal loss, which evaluates the
 * factor in log space, `exp(γ · logsigmoid(−x(2t − 1)))`: its derivative has
 * no (1 − p_t)^(γ−1), so that code would not show the NaN the paper's
 * formula does. `weighting: "authors"` reproduces its channel weights (see
 * {@linkcode AdaptiveFocalLossOptions.weighting}); their values equal the
 * `"exact"` form's, halved.
 *
 * Cost: one synchronous read of the targets per call for an adaptive γ
 * (they are constants; where reads cannot be synchronous, pass γ from
 * {@linkcode adaptiveFocalGamma}), then {@linkcode sigmoidFocalLoss}'s fused
 * kernels.
 *
 * @param logits Raw scores x, float32, the shape of `targets`.
 * @param targets Masks [batch, ...spatial] or [batch, ...spatial, 1], 0 or 1.
 * @param options γ, its smoothness, weighting, reduction and stabilization.
 * @returns The loss: per pixel for `reduction: "none"`, else a scalar.
 * @throws {TypeError} If an input is not a float32 tensor.
 * @throws {RangeError} If an option is out of range, the shapes differ, or
 * a spatial axis is shorter than 2.
 *
 * @example The pow form's gradient is NaN at a saturated pixel; the exact form's is not
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { adaptiveFocalLoss, adaptiveFocalGamma, sigmoidFocalLoss } from "@focal/stability";
 *
 * const masks = tf.tensor4d([0, 0, 0, 1, 1, 0, 0, 0, 0], [1, 3, 3, 1]);
 * const logits = tf.tensor4d([-30, -2, -1, 3, 2, -1, -2, -3, -1], [1, 3, 3, 1]);
 * const gamma = adaptiveFocalGamma(masks);
 * assert.ok(gamma > 0 && gamma < 1);
 * // With weighting "none" it is the sigmoid focal loss at that γ, α off:
 * const afl = adaptiveFocalLoss(logits, masks).dataSync()[0];
 * const fl = sigmoidFocalLoss(logits, masks, { gamma, alpha: -1, reduction: "mean" });
 * assert.ok(Math.abs(afl - fl.dataSync()[0]) < 1e-7);
 * const grad = (stabilization: "none" | "exact") =>
 *   tf.grad((x: tf.Tensor) => adaptiveFocalLoss(x, masks, { stabilization }))(logits).dataSync();
 * assert.ok(Number.isNaN(grad("none")[0])); // p_t rounds to 1 at x = −30, t = 0
 * assert.ok(grad("exact").every(Number.isFinite));
 * ```
 */
export function adaptiveFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: AdaptiveFocalLossOptions = {},
): tf.Tensor {
  const { gamma: given = "adaptive", smoothness, weighting = "none", reduction = "mean" } = options;
  if (given !== "adaptive") checkAtLeast("gamma", given, 0);
  let alpha = -1;
  let scale = 1;
  if (typeof weighting === "number") {
    checkFinite("weighting", weighting);
    if (weighting < 0 || weighting > 1) {
      throw new RangeError(`'weighting' as α must be in [0, 1]: received ${weighting}`);
    }
    alpha = weighting;
  } else if (weighting === "authors") {
    scale = 0.5;
  } else if (weighting !== "none") {
    throw new RangeError(
      `'weighting' must be "none", "authors" or a number in [0, 1]: received ${
        JSON.stringify(weighting)
      }`,
    );
  }
  const gamma = given === "adaptive" ? adaptiveFocalGamma(targets, { smoothness }) : given;
  return tf.tidy(() => {
    const loss = sigmoidFocalLoss(logits, targets, {
      gamma,
      alpha,
      reduction,
      stabilization: options.stabilization,
      epsilon: options.epsilon,
      validate: options.validate,
    });
    return scale === 1 ? loss : tf.mul(loss, scale);
  });
}
