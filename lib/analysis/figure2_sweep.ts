import * as tf from "@tensorflow/tfjs";
import { sigmoidFocalLoss } from "../losses/sigmoid_focal_loss.ts";
import type { Stabilization } from "../losses/types.ts";
import { naiveSigmoidFocalLoss } from "./naive_focal_loss.ts";

/** The loss computations the Figure 2 sweep compares. */
export type SweepMode = Stabilization | "naive";

/** Options of {@linkcode figure2Sweep}. */
export interface Figure2Options {
  /**
   * Focusing parameters γ.
   * @default {[0, 0.5, 1, 2]}
   */
  gammas?: number[];
  /**
   * What to evaluate: the package's three modes and/or the naive tf composition.
   * @default {["none", "epsilon", "exact", "naive"]}
   */
  modes?: SweepMode[];
  /**
   * ε for `"epsilon"`.
   * @default {1e-3}
   */
  epsilon?: number;
  /**
   * α (α_t = 0.5 in the paper's figures).
   * @default {0.5}
   */
  alpha?: number;
  /**
   * Logit range and step: the paper sweeps [−38, 38].
   * @default {{ start: -38, stop: 38, step: 0.05 }}
   */
  grid?: { start: number; stop: number; step: number };
}

/** One curve: loss and autograd gradient over the logit grid. */
export interface Figure2Series {
  /** The loss computation of this curve. */
  mode: SweepMode;
  /** The focusing parameter. */
  gamma: number;
  /** The target: 1 (foreground) or 0 (background). */
  target: 0 | 1;
  /** `null` where the value is NaN or infinite. */
  loss: (number | null)[];
  /** `null` where the gradient is NaN or infinite. */
  gradient: (number | null)[];
  /** Indices into the grid of non-finite gradients. */
  nonFinite: number[];
}

/** Figure 2's data, from one backend. */
export interface Figure2Data {
  /** The tfjs backend the sweep ran on. */
  backend: string;
  /** α of every curve. */
  alpha: number;
  /** ε of the `"epsilon"` curves. */
  epsilon: number;
  /** The grid of logits x. */
  logits: number[];
  /** One entry per mode × γ × target. */
  series: Figure2Series[];
}

/**
 * The data of the paper's Figure 2 on the current tfjs backend: the focal
 * loss and its autograd gradient with respect to the logit x (the paper's
 * [−38, 38]), for targets 1 (foreground) and 0 (background), for each
 * stabilization mode and for the naive composition of tf ops, with the
 * non-finite gradients marked. Run it on each backend to see where they
 * disagree: naive code is NaN on cpu and wasm but not on webgpu.
 *
 * Cost: one loss and gradient evaluation of the grid per curve.
 *
 * @param options γ values, modes, ε, α and the grid.
 * @returns Curves per mode × γ × target, JSON-serializable.
 *
 * @example The original is NaN at saturation, the exact form is not
 * ```ts
 * import assert from "node:assert/strict";
 * import { figure2Sweep } from "@focal/stability/analysis";
 *
 * const data = await figure2Sweep({ gammas: [0.5], modes: ["none", "exact"] });
 * const [none, exact] = data.series.filter((s) => s.target === 1);
 * assert.ok(none.nonFinite.length > 0 && exact.nonFinite.length === 0);
 * ```
 */
export async function figure2Sweep(options: Figure2Options = {}): Promise<Figure2Data> {
  const {
    gammas = [0, 0.5, 1, 2],
    modes = ["none", "epsilon", "exact", "naive"],
    epsilon = 1e-3,
    alpha = 0.5,
    grid = { start: -38, stop: 38, step: 0.05 },
  } = options;
  const count = Math.round((grid.stop - grid.start) / grid.step) + 1;
  if (!(count >= 2)) throw new RangeError(`'grid' must hold at least 2 points: received ${count}`);
  const logits = Array.from({ length: count }, (_, i) => grid.start + i * grid.step);
  const x = tf.tensor1d(logits);
  const series: Figure2Series[] = [];
  try {
    for (const mode of modes) {
      for (const gamma of gammas) {
        for (const target of [1, 0] as const) {
          const t = tf.fill([count], target);
          const f = (z: tf.Tensor) =>
            mode === "naive"
              ? naiveSigmoidFocalLoss(z, t, { alpha, gamma })
              : sigmoidFocalLoss(z, t, { alpha, gamma, epsilon, stabilization: mode });
          const loss = tf.tidy(() => f(x));
          const gradient = tf.grad((z: tf.Tensor) => f(z).sum())(x);
          const [l, g] = [await loss.data(), await gradient.data()];
          tf.dispose([t, loss, gradient]);
          const clean = (v: ArrayLike<number>) =>
            Array.from(v, (u) => Number.isFinite(u) ? u : null);
          series.push({
            mode,
            gamma,
            target,
            loss: clean(l),
            gradient: clean(g),
            nonFinite: Array.from(g).flatMap((u, i) => Number.isFinite(u) ? [] : [i]),
          });
        }
      }
    }
  } finally {
    x.dispose();
  }
  return { backend: tf.getBackend(), alpha, epsilon, logits, series };
}
