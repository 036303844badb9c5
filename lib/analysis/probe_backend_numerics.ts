import * as tf from "@tensorflow/tfjs";

/** What one tfjs backend does with the edge cases the focal loss meets. */
export interface BackendNumerics {
  /** The tfjs backend probed. */
  backend: string;
  /** `tf.pow(0, −0.5)`: Infinity in IEEE arithmetic. */
  powZeroNegative: number | string;
  /** `tf.pow(0, 0)`: 1 in IEEE arithmetic. */
  powZeroZero: number | string;
  /** The gradient of `tf.pow(x, 0)` at x = 0 (PyTorch: 0). */
  powGradientAtZero: number | string;
  /** `0 · Infinity`: NaN in IEEE arithmetic. */
  zeroTimesInfinity: number | string;
  /** `tf.log(0)`: −Infinity. */
  logZero: number | string;
  /** `0 / 0`: NaN. */
  zeroDivZero: number | string;
  /** Whether `tf.sum`, `tf.mean` and `tf.max` of [NaN, 1] are NaN. */
  nanPropagates: { sum: boolean; mean: boolean; max: boolean };
  /**
   * Where float32 `tf.sigmoid` saturates on this backend: the smallest x with
   * σ(x) = 1 (p_t = 1 for target 1), and the largest x with 1 − σ(x) = 1
   * (p_t = 1 for target 0), to 1e-3.
   */
  sigmoidSaturation: { target1: number; target0: number };
}

/** A number, or its name when it is not finite (JSON has no NaN). */
function encode(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

async function scalar(f: () => tf.Tensor): Promise<number> {
  const t = tf.tidy(f);
  const [v] = await t.data();
  t.dispose();
  return v;
}

/** The first grid point where `condition` holds, searching upwards. */
async function firstWhere(
  from: number,
  to: number,
  condition: (x: tf.Tensor) => tf.Tensor,
): Promise<number> {
  const step = 1e-3;
  const count = Math.round((to - from) / step) + 1;
  const hit = tf.tidy(() => {
    const x = tf.add(from, tf.mul(step, tf.range(0, count)));
    return tf.cast(condition(x), "float32");
  });
  const values = await hit.data();
  hit.dispose();
  const i = values.findIndex((v) => v === 1);
  return i < 0 ? NaN : from + i * step;
}

/**
 * Probes the current tfjs backend for the arithmetic the focal loss depends
 * on: pow at 0, 0·∞, log 0, 0/0, NaN propagation through reductions, the
 * gradient of pow at base 0, and the logit at which float32 σ(x) saturates.
 * On webgpu, set `WEBGPU_CPU_FORWARD` to false first, or small tensors are
 * computed on the CPU and the probe measures the wrong thing.
 *
 * @returns The findings, JSON-serializable (non-finite values as strings).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { probeBackendNumerics } from "@focal/stability/analysis";
 *
 * const probe = await probeBackendNumerics();
 * assert.equal(probe.backend, tf.getBackend());
 * if (probe.backend === "cpu") assert.equal(probe.powZeroNegative, "Infinity");
 * ```
 */
export async function probeBackendNumerics(): Promise<BackendNumerics> {
  const zeros = () => tf.zeros([4]);
  const nanOne = () => tf.tensor1d([NaN, 1, 2, 3]);
  const base = tf.zeros([4]);
  const powGrad = tf.grad((x: tf.Tensor) => tf.pow(x, 0).sum())(base);
  const [powGradient] = await powGrad.data();
  tf.dispose([base, powGrad]);
  return {
    backend: tf.getBackend(),
    powZeroNegative: encode(await scalar(() => tf.pow(zeros(), -0.5).max())),
    powZeroZero: encode(await scalar(() => tf.pow(zeros(), 0).max())),
    powGradientAtZero: encode(powGradient),
    zeroTimesInfinity: encode(
      await scalar(() => tf.mul(zeros(), tf.fill([4], Infinity)).max()),
    ),
    logZero: encode(await scalar(() => tf.log(zeros()).max())),
    zeroDivZero: encode(await scalar(() => tf.div(zeros(), zeros()).max())),
    nanPropagates: {
      sum: Number.isNaN(await scalar(() => nanOne().sum())),
      mean: Number.isNaN(await scalar(() => nanOne().mean())),
      max: Number.isNaN(await scalar(() => nanOne().max())),
    },
    sigmoidSaturation: {
      target1: await firstWhere(10, 30, (x) => tf.equal(tf.sigmoid(x), 1)),
      target0: -(await firstWhere(10, 30, (x) => tf.equal(tf.sub(1, tf.sigmoid(tf.neg(x))), 1))),
    },
  };
}
