// Experiment results as data: one JSON record per training run, appended to
// <out>/<experiment>/runs.jsonl as soon as the run ends. A run killed midway
// loses only itself (an incomplete last line is dropped when the file is read
// again), and a rerun skips the runs already recorded.
import type { AdapterDescription } from "../backends/use_backend.ts";
import type { Provenance } from "./provenance.ts";

/**
 * How a training run ended: what `trainBinary` returns and what every record
 * carries. The one definition of a run's outcome.
 */
export interface RunOutcome {
  status: "completed" | "nan";
  /** Epochs completed before the NaN epoch (the paper's meaning), or all of them. */
  completedEpochs: number;
  /** 1-based epoch of the first non-finite loss or gradient, or null. */
  nanEpoch: number | null;
  /** 1-based step within that epoch, or null. */
  nanStep: number | null;
  /** Mean training loss of each completed epoch. */
  epochLosses: number[];
  /**
   * Of a loss with several terms (the Unified Focal Loss's focal and
   * Tversky parts): those whose value or gradient with respect to the
   * logits was non-finite alone at the NaN step; [] when each was finite
   * alone. Absent where the experiment does not ask.
   */
  nanTerms?: string[];
  /**
   * Of a classifier trained with `epochMetrics` (CIFAR-10's Figure 5): the
   * accuracy and logit range of each completed epoch, from the training
   * steps' own logits (as the official script counts them, before each
   * step's update). Absent where the experiment does not ask.
   */
  epochMetrics?: EpochMetrics;
}

/** Per completed epoch, over the logits of its training steps. */
export interface EpochMetrics {
  /**
   * The share of samples whose logit > 0.5 agrees with the target: the
   * official script's count (it thresholds the logit, not the probability),
   * to compare with the paper's published accuracy.
   */
  accuracyLogitOverHalf: number[];
  /** The share whose logit > 0 (probability > 0.5) agrees with the target: the usual accuracy. */
  accuracy: number[];
  /** The smallest logit of the epoch. */
  logitMin: number[];
  /** The largest logit of the epoch. */
  logitMax: number[];
  /**
   * With trainBinary's `saturationMetrics` (segmentation): the most negative
   * logit of a background target (t < 0.5) and the most positive of a
   * foreground one, per epoch (null: no such target that epoch).
   */
  backgroundLogitMin?: (number | null)[];
  foregroundLogitMax?: (number | null)[];
  /**
   * The share of background targets with logit ≤ −FLOAT32_SATURATING_LOGIT
   * and of foreground ones with logit ≥ it: where float32 rounds p_t to 1
   * and the original loss's gradient is singular for 0 < γ < 1.
   */
  backgroundSaturated?: number[];
  foregroundSaturated?: number[];
}

/** What every experiment records of a run's configuration: noise, model and the protocol. */
export interface RunConfig {
  /** γ; −1 where it is computed per batch (the Adaptive Focal Loss's runs). */
  gamma: number;
  alpha: number;
  stabilization: "none" | "epsilon" | "exact";
  epsilon: number;
  noise: "none" | "medium" | "high";
  model: string;
  optimizer: "sgd" | "adam";
  learningRate: number;
  momentum?: number;
  /** The epoch cap. */
  epochs: number;
  batchSize: number;
  /** Training images, or null for the whole set. */
  trainSamples: number | null;
  /**
   * The precision the backend stored tensors in; absent means float32 (every
   * record before half precision was measured).
   */
  precision?: "float32" | "float16" | "bfloat16";
}

/**
 * The record of one training run: its id and configuration, its outcome,
 * and where it came from. Its JSON Schema (lib/results/run_record_schema.ts,
 * written to results/schema/run_record.schema.json) is checked against this
 * type when the project type-checks.
 */
export interface RunRecord extends RunOutcome {
  experiment: string;
  runId: string;
  /** Position in the profile's grid; merged shards are sorted by it. */
  index: number;
  profile: string;
  /** What every experiment records of a run's configuration, and its own fields. */
  config: Record<string, unknown> & RunConfig;
  provenance: Provenance & {
    backend: string;
    adapter: string | null;
    /** On webgpu: the adapter's vendor, architecture, whether it is a fallback, shader-f16, limits. */
    adapterInfo?: AdapterDescription;
    profile: string;
    seed: number;
    startedAt: string;
    finishedAt: string;
    /** This invocation's part: from startedAt (or the resume) to finishedAt. */
    wallSeconds: number;
    /**
     * Present when the run resumed from a checkpoint: the epoch and step it
     * held, and the commit that wrote it (gitCommit above is the one that
     * finished the run).
     */
    resumed?: { epoch: number; step: number; gitCommit: string; gitDirty: boolean };
  };
}

/**
 * The complete records of a runs.jsonl (none if it does not exist). A last
 * line without its newline is a run interrupted while being written: it is
 * cut off the file, so that appending continues cleanly.
 */
export async function readRecords(path: string): Promise<RunRecord[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  if (complete.length !== text.length) {
    await Deno.truncate(path, new TextEncoder().encode(complete).length);
  }
  return complete.split("\n").filter((l) => l.trim() !== "").map((line, i) => {
    try {
      return JSON.parse(line) as RunRecord;
    } catch (cause) {
      throw new SyntaxError(`${path}:${i + 1}: not a JSON record`, { cause });
    }
  });
}

/** Appends one record as a single write of one line. */
export async function appendRecord(path: string, record: RunRecord): Promise<void> {
  await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(record) + "\n", { append: true });
}

/**
 * Merges the records of several shards into what one machine would have
 * written: each run once, in grid order. Two different records of the same
 * run are an error (the shards did not come from one grid).
 */
export function mergeRecords(shards: RunRecord[][]): RunRecord[] {
  const byId = new Map<string, RunRecord>();
  for (const record of shards.flat()) {
    const seen = byId.get(record.runId);
    if (seen === undefined) byId.set(record.runId, record);
    else if (seen.index !== record.index || seen.profile !== record.profile) {
      throw new RangeError(
        `run ${record.runId} appears with index ${seen.index} (${seen.profile}) and ${record.index} (${record.profile})`,
      );
    }
  }
  return [...byId.values()].sort((a, b) => a.index - b.index);
}
