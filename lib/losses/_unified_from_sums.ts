// The Unified Focal Loss's per-image arithmetic on the fused kernels' sums,
// in JavaScript, for the backends whose tensors live in this process (cpu,
// wasm). The tensor form of the same formulas (_unified_fused.ts, with
// _tversky.ts) runs some 90 small ops per forward+backward, which at 2^12
// elements cost ten times the two kernels. Here every operation is the
// tensor form's, in its order, each rounded to float32 (`f`): + − × ÷ and the
// comparisons are then bit for bit the tensor ops', so `"none"`'s NaN lands
// on the same images; log, exp and pow are the float64 functions rounded
// once, within an ulp of tfjs's float32 ones.
import { FLT_MIN, hasPowSingularity, powGradSingularBelow } from "./numerics.ts";
import { TVERSKY_SMOOTH } from "./_tversky.ts";
import type { UnifiedSettings } from "./_unified_fused.ts";

const f = Math.fround;
const S = f(TVERSKY_SMOOTH);
const MIN = f(FLT_MIN);

/** TP, FN, FP, TN of image i in the [images, 5] sums, and D_fg, D_bg. */
function countsAt(sums: Float32Array, i: number, delta: number) {
  const [tp, fn, fp, tn] = sums.subarray(5 * i, 5 * i + 4);
  const d = f(delta);
  const d1 = f(1 - delta);
  return { tp, tn, dF: f(f(d * fn) + f(d1 * fp)), dB: f(f(d * fp) + f(d1 * fn)) };
}

/** log(1 − TI) = log D' − log(hit + s + D'), D' = max(D, FLT_MIN), and its parts. */
function logOneMinusTi(hit: number, d: number) {
  const dSafe = Math.max(d, MIN);
  const whole = f(f(hit + S) + dSafe);
  return { dSafe, whole, l: f(f(Math.log(dSafe)) - f(Math.log(whole))) };
}

/** The float32 mean of values, as tf.mean (a float32 sum, then a division). */
function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum = f(sum + v);
  return f(sum / f(values.length));
}

/** The scalar loss from the sums: lossFromSums of _unified_fused.ts. */
export function lossFromSumsData(sums: Float32Array, elements: number, s: UnifiedSettings): number {
  const images = sums.length / 5;
  let focalSum = 0;
  for (let i = 0; i < images; i++) focalSum = f(focalSum + sums[5 * i + 4]);
  const focal = f(focalSum / f(elements));
  const terms: number[] = [];
  const e = f(1 - s.gamma);
  for (let i = 0; i < images; i++) {
    const { tp, tn, dF, dB } = countsAt(sums, i, s.delta);
    let fore: number, back: number;
    if (s.exact) {
      fore = f(Math.exp(f(e * logOneMinusTi(tp, dF).l)));
      back = f(Math.exp(logOneMinusTi(tn, dB).l));
    } else {
      const tiFg = f(f(tp + S) / f(f(tp + dF) + S));
      const tiBg = f(f(tn + S) / f(f(tn + dB) + S));
      fore = f(Math.pow(f(f(1 - tiFg) + f(s.epsilon)), e));
      back = f(1 - tiBg);
    }
    terms.push(f(f(back + fore) / 2));
  }
  const tversky = mean(terms);
  return f(f(f(s.weight) * tversky) + f(f(1 - s.weight) * focal));
}

/**
 * The [images, 3] coefficients (∂TP − ∂FN, ∂FP − ∂TN, ∂Σfocal) given dy:
 * coefficients() of _unified_fused.ts, NaN on every coefficient of an image
 * where `"none"`'s pow gradient is singular.
 */
export function coefficientsData(
  sums: Float32Array,
  dy: number,
  elements: number,
  s: UnifiedSettings,
): Float32Array {
  const images = sums.length / 5;
  const out = new Float32Array(images * 3);
  const g = f(f(dy * f(s.weight)) / f(images * 2));
  const gFocal = f(f(dy * f(1 - s.weight)) / f(elements));
  const e = 1 - s.gamma;
  const singularBelow = hasPowSingularity(e) ? powGradSingularBelow(e) : -1;
  for (let i = 0; i < images; i++) {
    const { tp, tn, dF, dB } = countsAt(sums, i, s.delta);
    let gTP: number, gTN: number, gDF: number, gDB: number;
    if (s.exact) {
      const parts = (hit: number, d: number, exponent: number) => {
        const { dSafe, whole, l } = logOneMinusTi(hit, d);
        const x = f(exponent);
        const gL = f(f(g * f(Math.exp(f(x * l)))) * x);
        const gD = f(f(gL * f(f(1 / dSafe) - f(1 / whole))) * (d >= MIN ? 1 : 0));
        return { gHit: -f(gL / whole), gD };
      };
      const fore = parts(tp, dF, e);
      const back = parts(tn, dB, 1);
      [gTP, gDF, gTN, gDB] = [fore.gHit, fore.gD, back.gHit, back.gD];
    } else {
      const nF = f(tp + S);
      const dFull = f(f(tp + dF) + S);
      const base = f(f(1 - f(nF / dFull)) + f(s.epsilon));
      let gBase = e === 0 ? 0 : f(g * f(f(e) * f(Math.pow(base, f(e - 1)))));
      if (singularBelow >= 0 && base <= singularBelow) gBase = NaN;
      const gTiF = -gBase;
      const nB = f(tn + S);
      const dBFull = f(f(tn + dB) + S);
      const gTiB = -g;
      gDF = -f(f(gTiF * nF) / f(dFull * dFull));
      gDB = -f(f(gTiB * nB) / f(dBFull * dBFull));
      gTP = f(f(gTiF / dFull) + gDF);
      gTN = f(f(gTiB / dBFull) + gDB);
    }
    const gFN = f(f(f(s.delta) * gDF) + f(f(1 - s.delta) * gDB));
    const gFP = f(f(f(1 - s.delta) * gDF) + f(f(s.delta) * gDB));
    out[3 * i] = f(gTP - gFN);
    out[3 * i + 1] = f(gFP - gTN);
    out[3 * i + 2] = gFocal;
  }
  return out;
}
