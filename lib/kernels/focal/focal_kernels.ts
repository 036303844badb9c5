// The focal-loss kernels' contract: one pass over the inputs that writes the
// loss and, when asked, its gradient — instead of the ~20 forward and ~30
// backward elementwise ops of the composed forms. Registered for cpu, wasm and
// webgpu by the files beside this one; a loss runs one when the backend has it
// and the losses' own switch (for tests and benches) is on.
import * as tf from "@tensorflow/tfjs";
import { kernelRegistered } from "../runtime/registered.ts";

/** The per-element kernel's name in the tfjs registry: outputs loss[, grad]. */
export const SIGMOID_FOCAL_KERNEL = "FocalStabilitySigmoidFocal";

/**
 * The reducing kernel's name: outputs the scalar `scale·Σ loss` and, when
 * asked, `scale·∂L/∂x` (scale = 1 for "sum", 1/n for "mean"), so that the
 * per-element loss is never written and never read again by a reduction.
 */
export const SIGMOID_FOCAL_REDUCED_KERNEL = "FocalStabilitySigmoidFocalReduced";

/**
 * The softmax kernel's name: inputs logits z and weights w = α_c·y_c of shape
 * [..., C], or int32 class indices of shape [...] (weight α at a row's class,
 * 0 elsewhere and in rows whose index is `ignoreIndex`: no one-hot array);
 * outputs the per-row loss [...] and, when asked, ∂L/∂z [..., C].
 */
export const SOFTMAX_FOCAL_KERNEL = "FocalStabilitySoftmaxFocal";

/**
 * Its reducing form (cpu and wasm): outputs `scale·Σ rows' loss` and, when
 * asked, `scale·∂L/∂z`, like the sigmoid's reducing kernel.
 */
export const SOFTMAX_FOCAL_REDUCED_KERNEL = "FocalStabilitySoftmaxFocalReduced";

/**
 * The Unified Focal Loss's first pass: inputs logits x and masks t of shape
 * [images, ...pixels]; output [images, 5], per image Σ y·p (TP), Σ y·q (FN),
 * Σ (1 − y)·p (FP), Σ (1 − y)·q (TN) and Σ of the focal terms (q = 1 − p).
 */
export const UNIFIED_FOCAL_SUMS_KERNEL = "FocalStabilityUnifiedFocalSums";

/**
 * Its second pass: inputs x, t and per-image coefficients c [images, 3]
 * (∂L/∂TP − ∂L/∂FN, ∂L/∂FP − ∂L/∂TN, ∂L/∂Σfocal); output ∂L/∂x.
 */
export const UNIFIED_FOCAL_GRAD_KERNEL = "FocalStabilityUnifiedFocalGrad";

/** Attributes of both Unified Focal Loss kernels. */
export interface UnifiedKernelAttrs {
  exact: boolean;
  delta: number;
  gamma: number;
  epsilon: number;
  /** Original mode: background bases at or below this make the gradient NaN; −1 for none. */
  singularBelow: number;
}

/**
 * A gradient times its upstream gradient: inputs x [...rows, ...inner] and
 * dy [...rows] (the leading axes of x); output x·dy with dy broadcast over
 * the inner axes. tfjs's broadcasting multiply is a general index loop on
 * cpu and wasm; this is one pass.
 */
export const SCALE_ROWS_KERNEL = "FocalStabilityScaleRows";

/** Attributes of the sigmoid and softmax kernels. */
export interface FusedKernelAttrs {
  /** 0: exact; 1: original / Eq. (11) (ε = `epsilon`). */
  mode: 0 | 1;
  /**
   * Sigmoid only, the modulating base: 0 (or absent) for 1 − p_t, the focal
   * loss; 1 for |t − p|, the Quality Focal Loss.
   */
  base?: 0 | 1;
  /**
   * Sigmoid: α of the positive class (−1: none). Softmax with class indices:
   * the weight of a row's class (−1: 1); unused with weights.
   */
  alpha: number;
  gamma: number;
  epsilon: number;
  /** Original mode: bases at or below this make the gradient NaN; −1 for none. */
  singularBelow: number;
  /** Also write ∂L/∂x as a second output. */
  withGrad: boolean;
  /** Softmax with class indices: rows with this index weigh 0 (absent: none). */
  ignoreIndex?: number;
  /** Reduced kernel only: the factor applied to the sum and the gradient. */
  scale?: number;
}

let enabled = true;

/**
 * Turns the focal-loss kernels off (or on again), so that the losses run
 * their composed form: benchmarks and tests compare the two. On by default.
 * Only the losses read it: the model, optimizer and batcher kernels decide
 * for themselves.
 */
export function setFocalKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether a loss on the current backend will run the named focal kernel. */
export function focalKernelAvailable(kernelName: string = SIGMOID_FOCAL_KERNEL): boolean {
  return enabled && kernelRegistered(kernelName);
}

/**
 * True while an enclosing gradient is being recorded (tf.grad of tf.grad):
 * then a gradient must be built from differentiable ops, not read from a
 * kernel. tfjs makes the same decision for its fused matMul/conv ops.
 */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/** Runs a kernel: `[loss]`, or `[loss, gradient]` when `attrs.withGrad`. */
export function runFusedKernel(
  kernelName: string,
  x: tf.Tensor,
  t: tf.Tensor,
  attrs: FusedKernelAttrs,
): tf.Tensor[] {
  const out = tf.engine().runKernel(
    kernelName,
    { x, t },
    attrs as unknown as tf.NamedAttrMap,
  );
  return Array.isArray(out) ? out : [out];
}
