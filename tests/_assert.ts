// Float comparisons that know about NaN and float32.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

export type Encoded = number | "NaN" | "Infinity" | "-Infinity";

/** Decodes the fixtures' JSON encoding of non-finite numbers. */
export function decode(values: Encoded[]): number[] {
  return values.map((v) => typeof v === "number" ? v : Number(v));
}

/**
 * Asserts that `actual` matches `expected` elementwise: NaN exactly where
 * expected is NaN, and |a − e| ≤ atol + rtol·|e| elsewhere.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol, atol = 0, what = "values" }: { rtol: number; atol?: number; what?: string },
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, received ${a}`);
      continue;
    }
    // ±Infinity equals only itself (Infinity − Infinity is NaN, which no bound admits).
    if (!Number.isFinite(e)) {
      assert.equal(a, e, `${what}[${i}]: expected ${e}, received ${a}`);
      continue;
    }
    assert.ok(
      Math.abs(a - e) <= atol + rtol * Math.abs(e),
      `${what}[${i}]: expected ${e}, received ${a} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Asserts that every element is finite. */
export function assertAllFinite(values: ArrayLike<number>, what = "values"): void {
  for (let i = 0; i < values.length; i++) {
    assert.ok(Number.isFinite(values[i]), `${what}[${i}] is ${values[i]}`);
  }
}

/** Runs `fn` and asserts that it leaves no tensor behind. */
export function assertNoLeak(fn: () => void, what = "call"): void {
  const before = tf.memory().numTensors;
  fn();
  assert.equal(tf.memory().numTensors, before, `${what} leaked tensors`);
}

/** Reads a tensor (asynchronously: webgpu has no synchronous read in Deno). */
export async function read(x: tf.Tensor): Promise<Float32Array> {
  return await x.data() as Float32Array;
}

/** Values of `fn(x)` and of the gradient of its sum, disposing everything. */
export async function valueAndGrad(
  fn: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
): Promise<{ value: Float32Array; grad: Float32Array }> {
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => fn(z).sum())(x);
  const perElement = tf.tidy(() => fn(x));
  const out = { value: await read(perElement), grad: await read(grad) };
  tf.dispose([value, grad, perElement]);
  return out;
}

/**
 * Asserts that `value` survives JSON: every number is finite (JSON would turn
 * NaN and Infinity into null without a word), and nothing is undefined.
 */
export function assertJsonSafe(value: unknown, path = "$"): void {
  if (typeof value === "number") {
    assert.ok(Number.isFinite(value), `${path} is ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertJsonSafe(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) assertJsonSafe(v, `${path}.${k}`);
  } else {
    assert.ok(value !== undefined, `${path} is undefined`);
  }
}

/** A model as the gradient check sees it: fresh from a seed, with a loss of its variables. */
export interface GradientCase {
  variables: tf.Variable[];
  loss(): tf.Scalar;
  dispose(): void;
}

/**
 * Asserts that the loss and every variable's gradient on the backend under
 * test equal the cpu backend's (tfjs's reference kernels), within `rtol`
 * and `atol` times each gradient's largest magnitude — or times a thousandth
 * of the largest of all gradients, for gradients that are zero up to
 * rounding (a convolution's bias just before a BatchNorm). The case is built
 * twice from the same seed, once per backend.
 */
export async function assertGradientsMatchCpu(
  build: () => GradientCase,
  { rtol, atol }: { rtol: number; atol: number },
): Promise<void> {
  const gradientsOn = async (backend: string) => {
    const previous = tf.getBackend();
    await tf.setBackend(backend);
    const model = build();
    const { value, grads } = tf.variableGrads(() => model.loss(), model.variables);
    const out = {
      value: (await value.data())[0],
      grads: await Promise.all(model.variables.map((v) => grads[v.name].data())),
    };
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
    await tf.setBackend(previous);
    return out;
  };
  const here = await gradientsOn(tf.getBackend());
  const cpu = await gradientsOn("cpu");
  assertClose([here.value], [cpu.value], { rtol, what: "loss" });
  const largest = (g: ArrayLike<number>) => Math.max(...Array.from(g, Math.abs));
  const overall = Math.max(...cpu.grads.map(largest));
  here.grads.forEach((g, i) => {
    const scale = Math.max(largest(cpu.grads[i]), overall / 1000);
    assertClose(g, cpu.grads[i], { rtol, atol: atol * scale, what: `gradient ${i}` });
  });
}
