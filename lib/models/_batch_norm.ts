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
// the models here never take second derivatives.
import * as tf from "@tensorflow/tfjs";

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
