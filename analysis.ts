/**
 * The paper's analysis tools, beside the losses of `@focal/stability`: the
 * gradient curves of its Figure 1, the float32 sweep of its Figure 2, the
 * naive focal-loss compositions those figures contrast with the stable
 * forms, and a probe of a tfjs backend's float numerics (log(0), exp
 * overflow, pow at 0, the smallest normal).
 *
 * @example Figure 1: the original gradient is undefined at p = 1 for 0 < γ < 1 only
 * ```ts
 * import assert from "node:assert/strict";
 * import { figure1Curves } from "@focal/stability/analysis";
 *
 * const { p, series } = figure1Curves({ gammas: [0.5, 2], points: 11 });
 * const [half, two] = series;
 * assert.deepEqual(half.undefinedForeground, [1]);
 * assert.deepEqual(two.undefinedForeground, []);
 * // Elsewhere it is Eq. (4): at p = 0.5, α_t (γ (1 − p)^(γ−1) log p − (1 − p)^γ / p).
 * const at = p.indexOf(0.5);
 * const eq4 = 0.5 * (0.5 * 0.5 ** -0.5 * Math.log(0.5) - 0.5 ** 0.5 / 0.5);
 * assert.ok(Math.abs(half.foregroundGradient[at]! - eq4) < 1e-12);
 * ```
 *
 * @module
 */
export * from "./lib/analysis/figure1_curves.ts";
export * from "./lib/analysis/figure2_sweep.ts";
export * from "./lib/analysis/naive_focal_loss.ts";
export * from "./lib/analysis/probe_backend_numerics.ts";
