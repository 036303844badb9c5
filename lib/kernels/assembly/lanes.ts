// Lanes in and out of the tfjs wasm heap, shared by the elementwise kernels
// (f32x4): loads and stores that stop at n, and the float64 loss sums.
// Inlined into each kernel; no static data.

import { splat } from "./vector_math";

// @ts-ignore: decorator
@inline export function at(ptr: usize, i: i32): usize {
  return ptr + (<usize>i << 2);
}

/** Four lanes from ptr[i…]; past n (the tail), lanes are 0. */
// @ts-ignore: decorator
@inline export function load4(ptr: usize, i: i32, n: i32): v128 {
  if (i + 4 <= n) return v128.load(at(ptr, i));
  let v = f32x4.replace_lane(splat(0), 0, load<f32>(at(ptr, i)));
  if (i + 1 < n) v = f32x4.replace_lane(v, 1, load<f32>(at(ptr, i + 1)));
  if (i + 2 < n) v = f32x4.replace_lane(v, 2, load<f32>(at(ptr, i + 2)));
  return v;
}

/** Stores the lanes of v that fall before n. */
// @ts-ignore: decorator
@inline export function store4(ptr: usize, i: i32, n: i32, v: v128): void {
  if (i + 4 <= n) {
    v128.store(at(ptr, i), v);
    return;
  }
  store<f32>(at(ptr, i), f32x4.extract_lane(v, 0));
  if (i + 1 < n) store<f32>(at(ptr, i + 1), f32x4.extract_lane(v, 1));
  if (i + 2 < n) store<f32>(at(ptr, i + 2), f32x4.extract_lane(v, 2));
}

/** v with its lanes at or past n set to 0. */
// @ts-ignore: decorator
@inline export function masked(v: v128, i: i32, n: i32): v128 {
  if (i + 4 <= n) return v;
  const lanes = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
  return v128.and(v, i32x4.lt_s(lanes, i32x4.splat(n)));
}

/**
 * Loss sums run in float32 over FLUSH_EVERY iterations (16 terms a lane),
 * then in float64: the sum of 2^20 losses stays within a few ulps.
 */
export const FLUSH_EVERY = 16;

/** sum + the four lanes of v, in float64. */
// @ts-ignore: decorator
@inline export function addToSum(sum: v128, v: v128): v128 {
  const high = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
  return f64x2.add(f64x2.add(sum, f64x2.promote_low_f32x4(v)), f64x2.promote_low_f32x4(high));
}
