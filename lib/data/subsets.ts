// Seeded subsets of a dataset for the scaled-down profiles: the same seed
// gives the same images on every machine.
import { mulberry32 } from "./random.ts";

/** The first k entries of a seeded partial Fisher–Yates shuffle of `from` (shuffled in place). */
function pick(from: number[], k: number, random: () => number): number[] {
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (from.length - i));
    [from[i], from[j]] = [from[j], from[i]];
  }
  return from.slice(0, k);
}

/**
 * `n` indices drawn separately from class A (target 1) and class B, in
 * proportion, so that the A/B ratio of the whole set holds at any size
 * (Table 1's ratios for MNIST, 6:4 for CIFAR-10). All indices when n is null
 * or not smaller than the set.
 */
export function stratifiedSample(
  targets: ArrayLike<number>,
  n: number | null,
  seed: number,
): Int32Array {
  if (n === null || n >= targets.length) {
    return Int32Array.from({ length: targets.length }, (_, i) => i);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < targets.length; i++) (targets[i] === 1 ? a : b).push(i);
  const nA = Math.round((n * a.length) / targets.length);
  const random = mulberry32(seed);
  return Int32Array.from([...pick(a, nA, random), ...pick(b, n - nA, random)]);
}

/** `n` distinct indices of `count`, seeded; all of them when n is null or not smaller. */
export function randomSample(count: number, n: number | null, seed: number): Int32Array {
  const all = Array.from({ length: count }, (_, i) => i);
  if (n === null || n >= count) return Int32Array.from(all);
  return Int32Array.from(pick(all, n, mulberry32(seed)));
}
