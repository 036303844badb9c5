// The Unified Focal Loss with its authors' clipping, composed by this
// experiment only (the package's unifiedFocalLoss never clips): Yeung et
// al.'s reference code clips the two-channel prediction to [c, 1 − c]
// (c = K.epsilon() = 1e-7) before both parts. Everything else is the
// package's original composition (lib/losses/unified_parts.ts): the same
// parts, (1 − TI)^(1 − γ) for the foreground Tversky factor, PyTorch's pow
// gradient. So the arm differs from "none" in the clipping alone.
import * as tf from "@tensorflow/tfjs";
import { powTorch, sigmoidTorch } from "../../lib/losses/numerics.ts";
import type { UnifiedParts } from "../../lib/losses/unified_parts.ts";
import { TVERSKY_SMOOTH } from "../../lib/losses/unified_focal_loss.ts";

/** The parts with clipped predictions; call inside a tidy. */
export function clippedUnifiedParts(
  x: tf.Tensor,
  y: tf.Tensor,
  { delta, gamma, clip }: { delta: number; gamma: number; clip: number },
): UnifiedParts {
  const p = sigmoidTorch(x);
  // The two channels of the reference code's softmax output, each clipped:
  // the gradient is 0 wherever a channel is clipped.
  const fg = tf.clipByValue(p, clip, 1 - clip);
  const bg = tf.clipByValue(tf.sub(1, p), clip, 1 - clip);
  const notY = tf.sub(1, y);
  const focal = tf.mean(tf.add(
    tf.mul(delta, tf.mul(y, tf.neg(tf.log(fg)))),
    tf.mul(1 - delta, tf.mul(tf.mul(notY, powTorch(tf.sub(1, bg), gamma)), tf.neg(tf.log(bg)))),
  ));
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
  const index = (truth: tf.Tensor, prob: tf.Tensor) => {
    const tp = tf.sum(tf.mul(truth, prob), axes);
    const fn = tf.sum(tf.mul(truth, tf.sub(1, prob)), axes);
    const fp = tf.sum(tf.mul(tf.sub(1, truth), prob), axes);
    return tf.div(
      tf.add(tp, TVERSKY_SMOOTH),
      tf.add(tf.add(tf.add(tp, tf.mul(delta, fn)), tf.mul(1 - delta, fp)), TVERSKY_SMOOTH),
    );
  };
  const back = tf.sub(1, index(notY, bg));
  const fore = powTorch(tf.sub(1, index(y, fg)), 1 - gamma);
  return { focal, tversky: tf.mean(tf.div(tf.add(back, fore), 2)) };
}
