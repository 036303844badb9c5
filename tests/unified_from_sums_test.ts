import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { read } from "./_assert.ts";
import { coefficients, lossFromSums, type UnifiedSettings } from "../lib/losses/_unified_fused.ts";
import { coefficientsData, lossFromSumsData } from "../lib/losses/_unified_from_sums.ts";

/**
 * Per-image sums [TP, FN, FP, TN, Σfocal] of 64 pixels: random soft counts,
 * a perfect image (FN = FP = 0: 1 − TI is 0), near-perfect ones (misses of
 * 1e-12 and 1e-30: D below FLT_MIN, and 1 − TI below "none"'s singular
 * bound), an empty foreground, and an all-foreground image.
 */
function sums(): Float32Array {
  let seed = 3;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const rows: number[][] = [];
  for (let i = 0; i < 12; i++) {
    const tp = 30 * next();
    const fn = 10 * next();
    const fp = 10 * next();
    rows.push([tp, fn, fp, 64 - tp - fn - fp, 20 * next()]);
  }
  rows.push([20, 0, 0, 44, 0.5], [20, 1e-12, 3e-12, 44, 0.1], [20, 1e-30, 0, 44, 0.1]);
  rows.push([0, 0, 5, 59, 1], [64, 0, 0, 0, 2], [0.5, 1e-6, 1e-7, 63.5, 0.01]);
  return Float32Array.from(rows.flat());
}

/** Within `ulps` float32 ulps of the reference, NaN where it is NaN. */
function assertUlps(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  ulps: number,
  what: string,
) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(a) && Number.isNaN(e), `${what}[${i}]: ${a}, tensor form ${e}`);
      continue;
    }
    const ulp = Math.max(2 ** (Math.floor(Math.log2(Math.abs(e) || 2 ** -149)) - 23), 2 ** -149);
    assert.ok(Math.abs(a - e) <= ulps * ulp, `${what}[${i}]: ${a}, tensor form ${e}`);
  }
}

// The JavaScript form runs where the sums are in this process (cpu, wasm):
// checked against the tensor form there (webgpu's float32 differs near the
// subnormals, e.g. 1.71845e−35 for 1.71846e−35).
Deno.test({
  name: name(
    "the Unified loss's per-image arithmetic in JS = its tensor form, within 4 ulps, NaN for NaN",
  ),
  ignore: BACKEND === "webgpu",
  fn: async () => {
    const data = sums();
    const images = data.length / 5;
    const elements = images * 64;
    let nanImages = 0;
    for (const exact of [true, false]) {
      for (const epsilon of exact ? [0] : [0, 1e-3]) {
        for (const gamma of [0.2, 0.5, 1]) {
          for (const weight of [0, 0.5, 1]) {
            for (const delta of [0.6, 0.3]) {
              const s: UnifiedSettings = { weight, delta, gamma, epsilon, exact };
              const what = JSON.stringify(s);
              const t = tf.tensor2d(data, [images, 5]);
              const dy = tf.scalar(0.75);
              const loss = lossFromSums(t, elements, s);
              const coef = coefficients(t, dy, elements, s);
              assertUlps(
                [lossFromSumsData(data, elements, s)],
                await read(loss),
                4,
                `${what} loss`,
              );
              const js = coefficientsData(data, 0.75, elements, s);
              assertUlps(js, await read(coef), 4, `${what} coefficients`);
              nanImages += js.filter(Number.isNaN).length / 3;
              tf.dispose([t, dy, loss, coef]);
            }
          }
        }
      }
    }
    // "none" at γ < 1 puts NaN on the images whose 1 − TI is at or below the
    // singular bound: the perfect and near-perfect ones.
    assert.ok(nanImages > 0, "no NaN image: the singular case was not reached");
  },
});
