// A training run's state between two steps, so that a run killed with its
// machine resumes where it was and writes exactly the record an
// uninterrupted run writes: the weights, the optimizer's state, where in
// which epoch it stopped, the loss sum and epoch losses so far, and the data
// source's random stream (the shuffle needs none: each epoch's order comes
// from the seed and the epoch). On disk: a header line of JSON (the run's
// key, which a resume must match, the counters, the arrays' lengths and the
// SHA-256 of the payload), then the float32 payload; written to a temporary
// file and renamed, so a checkpoint is either the old one or the new one.
import * as tf from "@tensorflow/tfjs";
import type { EpochMetrics } from "../results/run_records.ts";

/** Everything trainBinary needs to continue a run bit for bit. */
export interface TrainingState {
  /** The epoch in progress, 1-based. */
  epoch: number;
  /** Steps of that epoch already taken. */
  step: number;
  /** Their losses' sum (float64). */
  sum: number;
  /** Mean losses of the completed epochs. */
  epochLosses: number[];
  /** The model's variables, in `model.variables` order. */
  variables: Float32Array[];
  /** The optimizer's weights as `getWeights()` gives them (its iteration count first). */
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
  /** The data source's random state (BinaryBatches.state), empty when it has none. */
  source: number[];
  /** The epoch metrics so far, when the run records them (trainBinary's `epochMetrics`). */
  metrics?: MetricsProgress;
  /** Whatever the writer adds (the runner: the commit it ran at); kept as JSON. */
  meta?: Record<string, unknown>;
}

/** The epoch metrics of the completed epochs, and the sums of the epoch in progress. */
export interface MetricsProgress {
  epochs: EpochMetrics;
  /** Samples of the epoch in progress, and of those the two thresholds' correct ones. */
  samples: number;
  correctOverHalf: number;
  correct: number;
  /** Its smallest and largest logit so far (±Infinity before its first step). */
  logitMin: number | null;
  logitMax: number | null;
  /** With saturation metrics: the epoch in progress's sums and extremes by target. */
  saturation?: SaturationProgress;
}

/** The saturation metrics' epoch in progress (trainBinary's `saturationMetrics`). */
export interface SaturationProgress {
  background: number;
  foreground: number;
  backgroundSaturated: number;
  foregroundSaturated: number;
  backgroundLogitMin: number | null;
  foregroundLogitMax: number | null;
}

/** What the header holds besides the arrays. */
interface Header {
  format: "focal-stability-checkpoint/1";
  key: string;
  epoch: number;
  step: number;
  sum: number;
  epochLosses: number[];
  source: number[];
  metrics?: MetricsProgress;
  meta: Record<string, unknown>;
  variables: number[];
  optimizer: { name: string; shape: number[] }[];
  sha256: string;
}

const FORMAT = "focal-stability-checkpoint/1";

/**
 * Optimizer state that getWeights leaves out: tfjs's Adam keeps β1^t and
 * β2^t as running products, and its setWeights recomputes them with pow,
 * which on webgpu differs from the product in the last bits; they are saved
 * under these names with the EXTRA prefix and restored as they were.
 */
const RUNNING_PRODUCTS = ["accBeta1", "accBeta2"] as const;
const EXTRA = "checkpoint:";

/** Reads the values of the model's variables and the optimizer's weights. */
export async function captureState(
  variables: tf.Variable[],
  optimizer: tf.Optimizer,
  position: Pick<TrainingState, "epoch" | "step" | "sum" | "epochLosses" | "source" | "metrics">,
): Promise<TrainingState> {
  const weights = await optimizer.getWeights();
  for (const key of RUNNING_PRODUCTS) {
    const v = (optimizer as unknown as Record<string, tf.Variable | undefined>)[key];
    if (v instanceof tf.Variable) weights.push({ name: `${EXTRA}${key}`, tensor: v });
  }
  return {
    ...position,
    epochLosses: [...position.epochLosses],
    source: [...position.source],
    ...(position.metrics ? { metrics: structuredClone(position.metrics) } : {}),
    variables: await Promise.all(variables.map(async (v) => new Float32Array(await v.data()))),
    optimizer: await Promise.all(
      weights.map(async ({ name, tensor }) => ({
        name,
        shape: tensor.shape,
        values: new Float32Array(await tensor.data()),
      })),
    ),
  };
}

/** Writes the state's weights into the variables and the optimizer. */
export async function restoreState(
  state: TrainingState,
  variables: tf.Variable[],
  optimizer: tf.Optimizer,
): Promise<void> {
  if (state.variables.length !== variables.length) {
    throw new RangeError(
      `the checkpoint holds ${state.variables.length} variables, the model has ${variables.length}`,
    );
  }
  variables.forEach((v, i) => {
    if (state.variables[i].length !== v.size) {
      throw new RangeError(`variable ${v.name}: ${state.variables[i].length} values for ${v.size}`);
    }
  });
  // In a tidy: the variable keeps the values, the temporary tensor goes.
  tf.tidy(() =>
    variables.forEach((v, i) => v.assign(tf.tensor(state.variables[i], v.shape, "float32")))
  );
  const tensors = state.optimizer.map(({ name, shape, values }) => ({
    name,
    tensor: tf.tensor(values, shape, "float32"),
  }));
  try {
    await optimizer.setWeights(tensors.filter((t) => !t.name.startsWith(EXTRA)));
    // After setWeights, which recomputes them as β^t: the products as they were.
    for (const { name, tensor } of tensors.filter((t) => t.name.startsWith(EXTRA))) {
      const v = (optimizer as unknown as Record<string, tf.Variable | undefined>)[
        name.slice(EXTRA.length)
      ];
      if (!(v instanceof tf.Variable)) throw new RangeError(`the optimizer has no ${name}`);
      v.assign(tensor);
    }
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The payload: every array's float32 bytes, variables first. */
function payloadOf(state: TrainingState): Uint8Array {
  const arrays = [...state.variables, ...state.optimizer.map((o) => o.values)];
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return new Uint8Array(all.buffer);
}

/**
 * Writes `state` to `path` atomically (a temporary file beside it, then a
 * rename), under `key`: what a resume must present to read it back.
 */
export async function writeCheckpoint(
  path: string,
  key: string,
  state: TrainingState,
): Promise<void> {
  const payload = payloadOf(state);
  const header: Header = {
    format: FORMAT,
    key,
    epoch: state.epoch,
    step: state.step,
    sum: state.sum,
    epochLosses: state.epochLosses,
    source: state.source,
    ...(state.metrics ? { metrics: state.metrics } : {}),
    meta: state.meta ?? {},
    variables: state.variables.map((v) => v.length),
    optimizer: state.optimizer.map((o) => ({ name: o.name, shape: o.shape })),
    sha256: await sha256(payload),
  };
  const head = new TextEncoder().encode(JSON.stringify(header) + "\n");
  const bytes = new Uint8Array(head.length + payload.length);
  bytes.set(head);
  bytes.set(payload, head.length);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(temporary, bytes);
  await Deno.rename(temporary, path);
}

/** Why a checkpoint was refused: the message says what to do, in one line. */
export class CheckpointMismatch extends Error {
  override name = "CheckpointMismatch";
}

/**
 * Reads the checkpoint at `path`; null when there is none. Throws a
 * CheckpointMismatch when it was written under another key (another run or
 * config), and an Error when its payload fails its checksum.
 */
export async function readCheckpoint(path: string, key: string): Promise<TrainingState | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const newline = bytes.indexOf(10);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline))) as Header;
  if (header.format !== FORMAT) throw new Error(`${path}: not a checkpoint of this package`);
  if (header.key !== key) {
    throw new CheckpointMismatch(
      `${path} belongs to another config (${header.key}); remove it to start this run afresh`,
    );
  }
  // Copied out, so that the float32 views are aligned.
  const payload = bytes.slice(newline + 1);
  if ((await sha256(payload)) !== header.sha256) {
    throw new Error(`${path}: its payload does not match its checksum (a damaged file)`);
  }
  const floats = new Float32Array(payload.buffer);
  let at = 0;
  const take = (length: number) => floats.slice(at, at += length);
  return {
    epoch: header.epoch,
    step: header.step,
    sum: header.sum,
    epochLosses: header.epochLosses,
    source: header.source,
    ...(header.metrics ? { metrics: header.metrics } : {}),
    meta: header.meta,
    variables: header.variables.map(take),
    optimizer: header.optimizer.map(({ name, shape }) => ({
      name,
      shape,
      values: take(shape.reduce((a, b) => a * b, 1)),
    })),
  };
}
