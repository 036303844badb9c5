// An op L(a, b) with an explicit gradient ∂L/∂a (b is a constant of the loss:
// targets or target weights), computed by a fused kernel where the backend
// has one and by composed tf ops otherwise.
import * as tf from "@tensorflow/tfjs";
import { customGrad2 } from "./_custom_grad.ts";
import {
  type FusedKernelAttrs,
  fusedKernelAvailable,
  recordingGradients,
  runFusedKernel,
} from "../kernels/fused_kernels.ts";

/** The kernel to try, and its attributes (less `withGrad`, set per call). */
export interface FusedChoice {
  kernel: string;
  attrs: Omit<FusedKernelAttrs, "withGrad">;
}

/** dy with trailing unit axes, so that it multiplies a gradient of more axes. */
export function broadcastDy(dy: tf.Tensor, gradientRank: number): tf.Tensor {
  let out = dy;
  while (out.rank < gradientRank) out = out.expandDims(-1);
  return out;
}

/**
 * The op with its gradient. With a fused kernel, the forward pass is one
 * kernel that also writes the gradient when one is being taken, and the
 * backward pass is one multiply by dy. While an enclosing gradient records
 * (second derivatives) the composed, differentiable `gradient` runs instead,
 * as on backends without the kernel; tfjs makes the same choice for its own
 * fused ops.
 */
export function withGradient(
  a: tf.Tensor,
  b: tf.Tensor,
  value: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  gradient: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  fused: FusedChoice | null,
): tf.Tensor {
  const useKernel = fused !== null && a.size > 0 && fusedKernelAvailable(fused.kernel);
  const op = customGrad2((x: tf.Tensor, t: tf.Tensor, save: tf.GradSaveFunc) => {
    if (!useKernel) {
      save([x, t]);
      return {
        value: value(x, t),
        gradFunc: (
          dy: tf.Tensor,
          [xs, ts]: tf.Tensor[],
        ) => [gradient(dy, xs, ts), tf.zerosLike(ts)],
      };
    }
    const withGrad = recordingGradients();
    const [loss, grad] = runFusedKernel(fused!.kernel, x, t, { ...fused!.attrs, withGrad });
    save(withGrad ? [x, t, grad] : [x, t]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, [xs, ts, gs]: tf.Tensor[]) => [
        recordingGradients() || gs === undefined
          ? gradient(dy, xs, ts)
          : tf.mul(broadcastDy(dy, gs.rank), gs),
        tf.zerosLike(ts),
      ],
    };
  });
  return op(a, b);
}
