// The binary MNIST task of Sec. 2.5.1: digits at or below a threshold form
// class A (the foreground, target 1), the others class B (target 0); noise
// is uniform [0, 1) scaled by 0.5 ("medium") or 0.75 ("high"), added to the
// images afresh in every batch (Figure 3; lib/data/image_batches.ts).

/** The binarization thresholds of Table 1 and Figure 4. */
export const TABLE1_THRESHOLDS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

/** The noise levels of Sec. 2.5.1 and their scales. */
export const NOISE_SCALES = { none: 0, medium: 0.5, high: 0.75 } as const;

/** A noise level's name. */
export type NoiseLevel = keyof typeof NOISE_SCALES;

/** Targets: 1 for class A (digit ≤ threshold), 0 for class B. */
export function binarize(labels: Uint8Array, threshold: number): Float32Array {
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 8) {
    throw new RangeError(`'threshold' must be an integer in [0, 8]: received ${threshold}`);
  }
  return Float32Array.from(labels, (digit) => digit <= threshold ? 1 : 0);
}

/** Class sizes and the A/B ratio of Table 1. */
export function classCounts(
  labels: Uint8Array,
  threshold: number,
): { a: number; b: number; ratio: number } {
  const targets = binarize(labels, threshold);
  const a = targets.reduce((s, v) => s + v, 0);
  return { a, b: targets.length - a, ratio: a / (targets.length - a) };
}
