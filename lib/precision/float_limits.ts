// The float limits the losses and their kernels floor and clamp with, named
// once. (Free of Math.f16round, unlike round_to_precision.ts: mod.ts reaches it.)

/** The smallest normal float32: a floor for values that are 0 only by underflow. */
export const FLT_MIN = 1.1754943508222875e-38;

/** The largest finite float32. */
export const FLT_MAX = 3.4028234663852886e38;

/** The smallest normal float16. */
export const HALF_MIN = 2 ** -14;
