// The float limits the losses and their kernels floor and clamp with, named
// once. (Free of Math.f16round, unlike round_to_precision.ts: mod.ts reaches it.)

/** The smallest normal float32: a floor for values that are 0 only by underflow. */
export const FLT_MIN = 1.1754943508222875e-38;

/**
 * The logit past which float32 saturates the sigmoid: σ(x) rounds to 1 (and
 * σ(−x) to 0 in 1 − σ(x)) from x = 25·ln 2 ≈ 17.33 on, where 1/(1 + eˣ) ≤
 * 2^−25, half of float32's spacing below 1. There the original focal loss's
 * modulating base 1 − p_t is 0 and its gradient singular for 0 < γ < 1.
 */
export const FLOAT32_SATURATING_LOGIT = 25 * Math.LN2;

/** The largest finite float32. */
export const FLT_MAX = 3.4028234663852886e38;

/** The smallest normal float16. */
export const HALF_MIN = 2 ** -14;
