// BatchNorm in training mode (PyTorch's: the batch's own mean and biased
// variance, ε inside the square root) over every axis but the channels, as
// one op with its gradient written out. Composed from tf.moments and
// autograd, each of the U-Net's 18 BatchNorms ran ~40 wasm kernels per step,
// most of them broadcasts and their reducing gradients; written out, the
// forward pass is 9 kernels and the backward pass 10:
//
//   x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ·x̂ + β
//   ∂β = Σ dy, ∂γ = Σ dy·x̂, ∂x = γ·r·(dy − ∂β/N − x̂·∂γ/N)
//
// (N: the elements per channel). Its gradient is not itself differentiable:
// the models here never take second derivatives. On wasm, BatchNorm and the
// ReLU after it run as one kernel each way (batchNormRelu).
import * as tf from "@tensorflow/tfjs";
import {
  BATCH_NORM_GRAD_KERNEL,
  BATCH_NORM_KERNEL,
  type BatchNormAttrs,
  batchNormKernelAvailable,
} from "../kernels/training/batch_norm_wasm.ts";

/** BatchNorm of x [B, H, W, C] with scale γ and shift β of [C], ε = `epsilon`. */
export function batchNormTraining(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  shift: tf.Tensor1D,
  epsilon: number,
): tf.Tensor4D {
  const axes = [0, 1, 2];
  const forward = (x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(x, axes);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axes);
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const normalized = tf.mul(centered, r);
    save([normalized, r, scale]);
    return {
      value: tf.add(tf.mul(normalized, scale), shift),
      gradFunc: (dy: tf.Tensor, [xhat, rs, gamma]: tf.Tensor[]) => {
        const n = dy.size / dy.shape[3]!;
        const dShift = tf.sum(dy, axes);
        const dScale = tf.sum(tf.mul(dy, xhat), axes);
        const dx = tf.mul(
          tf.mul(gamma, rs),
          tf.sub(tf.sub(dy, tf.div(dShift, n)), tf.mul(xhat, tf.div(dScale, n))),
        );
        return [dx, dScale, dShift];
      },
    };
  };
  // tf.customGrad types its function over (Tensor | GradSaveFunc)[].
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, scale, shift) as tf.Tensor4D;
}

/**
 * relu(BatchNorm(x)) as the U-Net's DoubleConv applies them: on wasm one
 * kernel forward and one backward (lib/kernels/training/batch_norm_wasm.ts),
 * elsewhere {@linkcode batchNormTraining} then tf.relu.
 */
export function batchNormRelu(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  shift: tf.Tensor1D,
  epsilon: number,
): tf.Tensor4D {
  if (!batchNormKernelAvailable()) return tf.relu(batchNormTraining(x, scale, shift, epsilon));
  const attrs: BatchNormAttrs = { epsilon, relu: true };
  const forward = (x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = tf.engine().runKernel(
      BATCH_NORM_KERNEL,
      { x, scale, shift },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
    save([x, mean, rstd, scale, shift]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xs, mu, rs, gamma, beta]: tf.Tensor[]) =>
        tf.engine().runKernel(
          BATCH_NORM_GRAD_KERNEL,
          { dy, x: xs, mean: mu, rstd: rs, scale: gamma, shift: beta },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[],
    };
  };
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, scale, shift) as tf.Tensor4D;
}
