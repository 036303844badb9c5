import type * as tf from "@tensorflow/tfjs";
import type { Stabilization } from "./types.ts";
import { sigmoidFocalLoss } from "./sigmoid_focal_loss.ts";
import { softmaxFocalLoss } from "./softmax_focal_loss.ts";

/** A loss for `model.compile({ loss })`: `(yTrue, yPred) => scalar`. */
export type LayersLossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Options of {@linkcode layersFocalLoss}. */
export interface FocalLossOptions {
  /**
   * `"sigmoid"`: independent binary outputs ({@linkcode sigmoidFocalLoss});
   * `"softmax"`: one class per sample over the last axis, with one-hot or
   * soft `yTrue` ({@linkcode softmaxFocalLoss}).
   * @default {"sigmoid"}
   */
  activation?: "sigmoid" | "softmax";
  /**
   * α: the positive-class weight for sigmoid (negative to switch it off),
   * a class weight or one per class for softmax.
   * @default {0.25 for sigmoid, none for softmax}
   */
  alpha?: number | number[];
  /**
   * Focusing parameter γ ≥ 0.
   * @default {2}
   */
  gamma?: number;
  /**
   * How the modulating factor is evaluated.
   * @default {"exact"}
   */
  stabilization?: Stabilization;
  /**
   * ε of Eq. (11), for `"epsilon"`.
   * @default {1e-3}
   */
  epsilon?: number;
}

/**
 * A focal loss for tfjs-layers: `model.compile({ optimizer, loss:
 * layersFocalLoss({ gamma: 0.5 }) })`, a factory that returns the
 * `(yTrue, yPred) => scalar` function `compile` takes. The model's last layer must output logits
 * (no activation); the loss applies the sigmoid or softmax itself. It returns
 * the `reduction: "mean"` value of the functional form with the same options,
 * so the two train identically.
 *
 * @param options Activation, α, γ and stabilization.
 * @returns A function `(yTrue, yPred) => scalar` for `model.compile`.
 * @throws {RangeError} If an option is out of range (checked at every call,
 * by the functional form).
 *
 * @example Compile a logistic-regression model
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { layersFocalLoss } from "@focal/stability";
 *
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 1, inputShape: [3] })],
 * });
 * model.compile({ optimizer: "adam", loss: layersFocalLoss({ gamma: 0.5 }) });
 * const history = await model.fit(tf.ones([4, 3]), tf.ones([4, 1]), { epochs: 1, verbose: 0 });
 * assert.ok(Number.isFinite(history.history.loss[0] as number));
 * ```
 */
export function layersFocalLoss(options: FocalLossOptions = {}): LayersLossFunction {
  const { activation = "sigmoid", alpha, ...rest } = options;
  if (activation === "sigmoid") {
    if (Array.isArray(alpha)) {
      throw new TypeError(`'alpha' must be a number for activation "sigmoid": received an array`);
    }
    return (yTrue, yPred) =>
      sigmoidFocalLoss(yPred, yTrue, { ...rest, alpha: alpha ?? 0.25, reduction: "mean" });
  }
  if (activation === "softmax") {
    return (yTrue, yPred) => softmaxFocalLoss(yPred, yTrue, { ...rest, alpha, reduction: "mean" });
  }
  throw new RangeError(
    `'activation' must be one of "sigmoid", "softmax": received ${JSON.stringify(activation)}`,
  );
}

/**
 * The former name of {@linkcode layersFocalLoss}, kept for one version.
 *
 * @deprecated Use {@linkcode layersFocalLoss}: the same factory, named for what it returns
 * (a loss for tfjs-layers' `model.compile`). Removed in 0.6.0.
 * @param options Activation, α, γ and stabilization.
 * @returns A function `(yTrue, yPred) => scalar` for `model.compile`.
 */
export const focalLoss: (options?: FocalLossOptions) => LayersLossFunction = layersFocalLoss;
