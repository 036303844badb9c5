// Rounding a float64 to the storage precisions that tfjs users train in.
// Not reachable from mod.ts: it uses `Math.f16round`, which Deno's V8 has and
// Node 20 does not; the package's own analysis and tests use it.

/** The storage precisions the analysis covers. */
export type Precision = "float32" | "float16" | "bfloat16";

/** Every precision, widest first, in the order reports list them. */
export const PRECISIONS: readonly Precision[] = ["float32", "float16", "bfloat16"];

/** The largest finite value of each precision. */
export const MAX_FINITE: Record<Precision, number> = {
  float32: 3.4028234663852886e38,
  float16: 65504,
  bfloat16: 3.3895313892515355e38,
};

/** The spacing of the precision's numbers at 1 (2^−(significand bits)). */
export const UNIT_ROUNDOFF: Record<Precision, number> = {
  float32: 2 ** -23,
  float16: 2 ** -10,
  bfloat16: 2 ** -7,
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * x rounded to bfloat16, returned as a number: the float32 bits rounded to
 * their top 16 with round-to-nearest, ties to even, as PyTorch's
 * `c10::BFloat16` constructor does. The float32 step comes first (PyTorch
 * computes its bfloat16 ops in float32); NaN stays NaN.
 */
export function bfloat16Round(x: number): number {
  f32[0] = x;
  if (Number.isNaN(f32[0])) return NaN;
  const bits = u32[0];
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 0;
  u32[0] = (rounded & 0xffff0000) >>> 0;
  return f32[0];
}

/** x rounded to float16 (IEEE binary16, round-to-nearest-even), as a number. */
export function float16Round(x: number): number {
  return (Math as unknown as { f16round(x: number): number }).f16round(x);
}

/** The rounding function of a precision. */
export function rounderOf(precision: Precision): (x: number) => number {
  return precision === "float32"
    ? Math.fround
    : precision === "float16"
    ? float16Round
    : bfloat16Round;
}

/**
 * The distance between x and the next number of the precision away from 0
 * (one unit in the last place), for finite x; the subnormal spacing near 0.
 */
export function ulpOf(x: number, precision: Precision): number {
  const smallestNormal = { float32: 2 ** -126, float16: 2 ** -14, bfloat16: 2 ** -126 }[precision];
  const a = Math.max(Math.abs(x), smallestNormal);
  return 2 ** Math.floor(Math.log2(a)) * UNIT_ROUNDOFF[precision];
}
