// An op L(a, t) with an explicit gradient ∂L/∂a (t is a constant of the loss:
// targets or target weights), computed by a fused kernel where the backend
// has one and by composed tf ops otherwise.
import * as tf from "@tensorflow/tfjs";
import { customGrad1 } from "./_custom_grad.ts";
import {
  focalKernelAvailable,
  type FusedKernelAttrs,
  recordingGradients,
  runFusedKernel,
  SCALE_ROWS_KERNEL,
} from "../kernels/focal/focal_kernels.ts";
import { SHARE_FROM_ELEMENTS, withIdentityByReference } from "../kernels/runtime/identity_wasm.ts";
import { reduce } from "./_reduce.ts";
import type { Reduction } from "./types.ts";

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
 * A kernel's gradient g times the upstream gradient dy, whose shape is g's
 * leading axes (a per-row or reduced loss): one pass where the backend has
 * the kernel, tfjs's broadcasting multiply otherwise.
 */
function timesDy(g: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  // A loss reduced to a scalar mostly gets the 1 that tf.grad seeds. Where
  // reading dy costs microseconds (cpu, wasm: not webgpu, where it is a
  // readback), the kernel's gradient is then the answer itself, shared and
  // not copied: one pass over it less (what that saved: docs/kernels.md, "Measured
  // reasons").
  if (dy.size === 1 && g.size > 1 && tf.getBackend() !== "webgpu" && dy.dataSync()[0] === 1) {
    return withIdentityByReference(() => tf.clone(g));
  }
  if (dy.rank === g.rank) return tf.mul(dy, g);
  if (focalKernelAvailable(SCALE_ROWS_KERNEL)) {
    return tf.engine().runKernel(SCALE_ROWS_KERNEL, { x: g, dy }, {}) as tf.Tensor;
  }
  return tf.mul(broadcastDy(dy, g.rank), g);
}

/**
 * The op with its gradient. With a fused kernel, the forward pass is one
 * kernel that also writes the gradient when one is being taken, and the
 * backward pass is one multiply by dy. While an enclosing gradient records
 * (second derivatives) the composed, differentiable `gradient` runs instead,
 * as on backends without the kernel; tfjs makes the same choice for its own
 * fused ops.
 *
 * `t` (targets or target weights) is a constant of the loss, as it is for
 * torchvision's and kornia's users in practice: no gradient flows to it, so
 * that none is computed (a zero tensor the size of the logits, each step).
 */
export function withGradient(
  a: tf.Tensor,
  t: tf.Tensor,
  value: (a: tf.Tensor, t: tf.Tensor) => tf.Tensor,
  gradient: (dy: tf.Tensor, a: tf.Tensor, t: tf.Tensor) => tf.Tensor,
  fused: FusedChoice | null,
): tf.Tensor {
  const useKernel = fused !== null && a.size > 0 && focalKernelAvailable(fused.kernel);
  const composed = (dy: tf.Tensor, [xs, ts]: tf.Tensor[]) => gradient(dy, xs, ts);
  const op = customGrad1((x: tf.Tensor, save: tf.GradSaveFunc) => {
    if (!useKernel) {
      save([x, t]);
      return { value: value(x, t), gradFunc: composed };
    }
    const withGrad = recordingGradients();
    const [loss, grad] = runFusedKernel(fused!.kernel, x, t, { ...fused!.attrs, withGrad });
    if (!withGrad) {
      save([x, t]);
      return { value: loss, gradFunc: composed };
    }
    // tfjs clones what is saved (by reference on wasm, withIdentityByReference):
    // save the inputs too only where a second derivative may need the
    // composed gradient (this op recorded inside a gradient that is itself
    // recorded).
    const nested = tf.engine().state.gradientDepth > 1;
    save(nested ? [grad, x, t] : [grad]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, [gs, xs, ts]: tf.Tensor[]) =>
        recordingGradients() && xs !== undefined ? gradient(dy, xs, ts) : timesDy(gs, dy),
    };
  });
  // The op's saved tensors are cloned by reference on wasm, and only here.
  return a.size >= SHARE_FROM_ELEMENTS ? withIdentityByReference(() => op(a)) : op(a);
}

/**
 * A per-row op (`value` of shape `rowShape`: the logits' shape for the
 * sigmoid losses, without the class axis for softmax), reduced as asked.
 * For "mean" and "sum" on a backend with the reducing kernel, the kernel
 * reduces too: the per-row loss is never stored, and no Mean, its gradient
 * (ones, a multiply, a division) or a broadcast follows, which is most of a
 * step's cost at small sizes. Otherwise the per-row kernel (or the composed
 * form) and {@linkcode reduce}.
 */
export function reducedWithGradient(
  a: tf.Tensor,
  t: tf.Tensor,
  value: (a: tf.Tensor, t: tf.Tensor) => tf.Tensor,
  gradient: (dy: tf.Tensor, a: tf.Tensor, t: tf.Tensor) => tf.Tensor,
  kernels: { perRow: string; reduced: string },
  attrs: FusedChoice["attrs"] | null,
  reduction: Reduction,
  rowShape: number[] = a.shape,
): tf.Tensor {
  const rows = rowShape.reduce((n, d) => n * d, 1);
  if (attrs !== null && reduction !== "none" && rows > 0 && focalKernelAvailable(kernels.reduced)) {
    const scale = reduction === "mean" ? 1 / rows : 1;
    return withGradient(
      a,
      t,
      (x, ts) => reduce(value(x, ts), reduction),
      (dy, x, ts) => gradient(tf.mul(tf.ones(rowShape), tf.mul(dy, scale)), x, ts),
      { kernel: kernels.reduced, attrs: { ...attrs, scale } },
    );
  }
  const perRow = withGradient(
    a,
    t,
    value,
    gradient,
    attrs === null ? null : { kernel: kernels.perRow, attrs },
  );
  return reduce(perRow, reduction);
}
