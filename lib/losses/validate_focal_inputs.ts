import type * as tf from "@tensorflow/tfjs";
import { checkTensor, judgeContents, summarizeContents } from "./_validate.ts";

/** Options of {@linkcode validateFocalInputs}. */
export interface ValidateFocalInputsOptions {
  /**
   * For int32 class-index targets of a softmax loss: the number of classes.
   * Unset, targets are checked to lie in [0, 1].
   * @default {undefined}
   */
  numClasses?: number;
  /**
   * A class index that is allowed besides [0, numClasses).
   * @default {undefined}
   */
  ignoreIndex?: number;
}

/**
 * Checks the contents of a loss's inputs, asynchronously, on any backend:
 * the logits are finite, and the targets lie in [0, 1] (or, with
 * `numClasses`, are class indices in range or `ignoreIndex`). It is what
 * `validate: true` checks, for backends without a synchronous read (webgpu)
 * and for training loops that should not stall on one.
 *
 * @param logits The logits that will be passed to the loss.
 * @param targets The targets that will be passed to the loss.
 * @param options Class count and ignored index, for class-index targets.
 * @returns A promise that resolves when the inputs are valid.
 * @throws {RangeError} (as a rejection) naming the first invalid input.
 *
 * @example Reject a target outside [0, 1]
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { validateFocalInputs } from "@focal/stability";
 *
 * let message = "";
 * try {
 *   await validateFocalInputs(tf.tensor1d([0.2, 3]), tf.tensor1d([1, 1.5]));
 * } catch (e) {
 *   message = (e as Error).message;
 * }
 * assert.ok(message.startsWith("'targets' must lie in [0, 1]"));
 * ```
 */
export async function validateFocalInputs(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: ValidateFocalInputsOptions = {},
): Promise<void> {
  checkTensor("logits", logits);
  checkTensor("targets", targets);
  const { numClasses, ignoreIndex } = options;
  const summary = summarizeContents(logits, targets, numClasses, ignoreIndex);
  try {
    judgeContents(await summary.data(), numClasses, ignoreIndex);
  } finally {
    summary.dispose();
  }
}
