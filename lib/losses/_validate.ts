// Argument checks shared by the losses. Hyperparameter, type and shape checks
// are cheap and always run; checks of tensor contents read data back from the
// device and run only under `validate: true`.
import * as tf from "@tensorflow/tfjs";
import type { Reduction, Stabilization } from "./types.ts";

const REDUCTIONS: readonly Reduction[] = ["none", "mean", "sum"];
const STABILIZATIONS: readonly Stabilization[] = ["exact", "epsilon", "none"];

export function checkTensor(name: string, value: unknown): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new TypeError(
      `'${name}' must be a tf.Tensor: received ${describe(value)}`,
    );
  }
  if (value.isDisposed) {
    throw new TypeError(`'${name}' must not be disposed`);
  }
  return value;
}

export function checkFloatTensor(name: string, value: unknown): tf.Tensor {
  const tensor = checkTensor(name, value);
  if (tensor.dtype !== "float32") {
    throw new TypeError(
      `'${name}' must have dtype float32: received ${tensor.dtype}`,
    );
  }
  return tensor;
}

export function checkSameShape(
  a: tf.Tensor,
  b: tf.Tensor,
  aName: string,
  bName: string,
): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new RangeError(
      `'${bName}' must have the shape of '${aName}' [${a.shape}]: received [${b.shape}]`,
    );
  }
}

export function checkFinite(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `'${name}' must be a finite number: received ${describe(value)}`,
    );
  }
  return value;
}

export function checkAtLeast(name: string, value: unknown, min: number): number {
  const x = checkFinite(name, value);
  if (x < min) throw new RangeError(`'${name}' must be >= ${min}: received ${x}`);
  return x;
}

export function checkUnitInterval(name: string, value: unknown): number {
  const x = checkFinite(name, value);
  if (x < 0 || x > 1) {
    throw new RangeError(`'${name}' must be in [0, 1]: received ${x}`);
  }
  return x;
}

export function checkReduction(value: unknown): Reduction {
  if (!REDUCTIONS.includes(value as Reduction)) {
    throw new RangeError(
      `'reduction' must be one of ${REDUCTIONS.map(quote).join(", ")}: received ${describe(value)}`,
    );
  }
  return value as Reduction;
}

export function checkStabilization(value: unknown): Stabilization {
  if (!STABILIZATIONS.includes(value as Stabilization)) {
    throw new RangeError(
      `'stabilization' must be one of ${STABILIZATIONS.map(quote).join(", ")}: received ${
        describe(value)
      }`,
    );
  }
  return value as Stabilization;
}

/**
 * Reads a small tensor synchronously for a `validate: true` check. The webgpu
 * backend has no synchronous read under Deno (it needs a canvas), so there
 * the check is refused with a pointer to the asynchronous one.
 */
function readSync(name: string, tensor: tf.Tensor): tf.TypedArray {
  try {
    return tensor.dataSync() as tf.TypedArray;
  } catch (cause) {
    throw new TypeError(
      `'validate: true' must read '${name}' synchronously, which the ${tf.getBackend()} backend cannot do here: call 'await validateFocalInputs(...)' instead`,
      { cause },
    );
  }
}

/** Content checks shared by `validate: true` and `validateFocalInputs`. */
export interface ContentSummary {
  logitsFinite: boolean;
  targetMin: number;
  targetMax: number;
  /** Integer targets only: every value is an integer in range or ignored. */
  indicesValid: boolean;
}

/** The tensors whose values {@linkcode judgeContents} needs, on the device. */
export function summarizeContents(
  logits: tf.Tensor,
  targets: tf.Tensor,
  numClasses?: number,
  ignoreIndex?: number,
): tf.Tensor {
  return tf.tidy(() => {
    const finite = tf.all(tf.isFinite(logits)).toFloat();
    if (targets.size === 0) return tf.stack([finite, tf.scalar(0), tf.scalar(0), tf.scalar(1)]);
    const lo = tf.min(targets).toFloat();
    const hi = tf.max(targets).toFloat();
    let indicesOk: tf.Tensor = tf.scalar(1);
    if (numClasses !== undefined) {
      const inRange = tf.logicalAnd(tf.greaterEqual(targets, 0), tf.less(targets, numClasses));
      const ok = ignoreIndex === undefined
        ? inRange
        : tf.logicalOr(inRange, tf.equal(targets, ignoreIndex));
      indicesOk = tf.all(ok).toFloat();
    }
    return tf.stack([finite, lo, hi, indicesOk]);
  });
}

/** Throws the error a content summary calls for. */
export function judgeContents(
  values: ArrayLike<number>,
  numClasses?: number,
  ignoreIndex?: number,
): void {
  const [finite, lo, hi, indicesOk] = Array.from(values);
  if (!finite) throw new RangeError(`'logits' must be finite: received NaN or Infinity`);
  if (numClasses === undefined) {
    if (!(lo >= 0 && hi <= 1)) {
      throw new RangeError(
        `'targets' must lie in [0, 1]: received values in [${lo}, ${hi}]`,
      );
    }
  } else if (!indicesOk) {
    throw new RangeError(
      `class indices must be integers in [0, ${numClasses - 1}]${
        ignoreIndex === undefined ? "" : ` or equal 'ignoreIndex' ${ignoreIndex}`
      }: received values in [${lo}, ${hi}]`,
    );
  }
}

/** `validate: true`: checks contents with one synchronous read. */
export function checkContentsSync(
  logits: tf.Tensor,
  targets: tf.Tensor,
  numClasses?: number,
  ignoreIndex?: number,
): void {
  const summary = summarizeContents(logits, targets, numClasses, ignoreIndex);
  try {
    judgeContents(readSync("logits", summary), numClasses, ignoreIndex);
  } finally {
    summary.dispose();
  }
}

function quote(s: string): string {
  return `"${s}"`;
}

function describe(value: unknown): string {
  if (typeof value === "string") return quote(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name})`;
  return String(value);
}
