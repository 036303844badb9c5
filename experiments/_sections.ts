// A section of REPORT.md, as each experiment (experiments/<name>/report.ts)
// and the bench (experiments/bench_report.ts) make theirs: the paper's claim, what was
// measured, a verdict by a rule printed beside it, the data; and the helpers
// they share. experiments/_report.ts assembles the sections.
import type { RunRecord } from "../lib/results/run_records.ts";
import { MNIST_FILES } from "../lib/data/mnist.ts";
import type { PublishedRun } from "./_published.ts";

/** Images in MNIST's training set: a run with trainSamples null trains on all. */
export const MNIST_TRAIN_IMAGES = MNIST_FILES.trainImages.count;

/** One step of `deno task reproduce`, as the manifest records it. */
export interface StepRecord {
  name: string;
  status: "ran" | "skipped" | "failed";
  /** Why it was skipped or how it failed. */
  reason: string | null;
  wallSeconds: number;
  finishedAt: string;
}

/**
 * A claim's verdict. "not reproduced": nothing contradicts the paper, but
 * its effect did not show within the profile's steps (a NaN needs a model
 * confident enough to saturate float32, which takes more training than a
 * small profile gives).
 */
export type Verdict = "agree" | "partly agree" | "not reproduced" | "disagree" | "not run";

/** One section of the report. */
export interface Section {
  title: string;
  claim: string;
  /** "not observed within N steps": a conjecture's effect that did not show within the runs' steps. */
  verdict: Verdict | "measured (not a claim of the paper)" | `not observed within ${number} steps`;
  measured: string[];
  /** Markdown printed as it is after the measured lines (tables). */
  body?: string[];
  links: string[];
  step?: StepRecord;
  /** Seconds during which a run was training (`span`), across resumed invocations. */
  wallSeconds?: number;
}

/** A section for something that did not run, saying why. */
export function notRun(title: string, claim: string, why: string, step?: StepRecord): Section {
  return { title, claim, verdict: "not run", measured: [why], links: [], step };
}

/**
 * Seconds during which at least one of the runs was training: the union of
 * their [start, end] intervals. Within one invocation that is its first run's
 * start to its last run's end; across resumed invocations, shards or machines,
 * the time between them (a day between a shard and its resumption) does not
 * count.
 */
export function span(records: RunRecord[]): number {
  const intervals = records
    .map((r) => [Date.parse(r.provenance.startedAt), Date.parse(r.provenance.finishedAt)])
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [Infinity, -Infinity];
  for (const [start, end] of intervals) {
    if (start > to) {
      if (to > from) total += to - from;
      [from, to] = [start, end];
    } else to = Math.max(to, end);
  }
  if (to > from) total += to - from;
  return total / 1000;
}

/** The JSON at `path`, or null when it is missing or unreadable. */
export async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
}

export const unstable = (g: number): boolean => g > 0 && g < 1;
export const nan = (r: RunRecord): boolean => r.status === "nan";
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** How a run of ours ended. */
export function outcome(r: RunRecord): string {
  return r.status === "nan"
    ? `NaN at epoch ${r.nanEpoch}, step ${r.nanStep}`
    : `completed ${r.completedEpochs} epochs (final loss ${r.epochLosses.at(-1)?.toPrecision(3)})`;
}

/** Where a published run stopped: "NaN after N epochs" or "completed N". */
export function publishedOutcome(p: PublishedRun): string {
  return p.completedEpochs < p.maxEpochs
    ? `NaN in epoch ${p.completedEpochs + 1} (${p.completedEpochs} completed)`
    : `completed ${p.maxEpochs} epochs`;
}

/**
 * Our loss-curve runs (Figures 5, 6) against the paper's: each run's outcome
 * beside the published one, how far it got against where the paper's NaN
 * came, and a verdict by the rule printed in `measured`.
 */
export function againstPublished(
  records: RunRecord[],
  paperOf: (r: RunRecord) => PublishedRun | undefined,
): { verdict: Verdict; measured: string[] } {
  const measured = records.map((r) => {
    const p = paperOf(r);
    if (!p) return `${r.runId}: ${outcome(r)}; the paper has no such run`;
    const paperNan = p.completedEpochs < p.maxEpochs ? p.completedEpochs + 1 : null;
    const reach = paperNan === null
      ? ""
      : Number(r.config.epochs) >= paperNan
      ? `; our cap (${r.config.epochs}) reaches the paper's NaN epoch ${paperNan}`
      : `; our cap of ${r.config.epochs} epochs stops short of the paper's NaN epoch ${paperNan}`;
    return `${r.runId}: ours ${outcome(r)}; the paper's ${publishedOutcome(p)}${reach}`;
  });
  const stabilized = records.filter((r) => r.config.stabilization === "epsilon");
  // Original runs whose published NaN lies within our cap: only they can show the effect.
  const reachable = records.filter((r) => {
    const p = paperOf(r);
    return r.config.stabilization === "none" && p !== undefined &&
      p.completedEpochs < Math.min(p.maxEpochs, Number(r.config.epochs));
  });
  measured.push(
    "rule: disagree if a stabilized run meets a NaN; not reproduced if no original run's cap " +
      "reaches the paper's NaN epoch (nothing is contradicted, nothing shown); else agree if " +
      "every such run stops at a NaN within its cap, partly agree if some do, disagree if none",
  );
  const stopped = reachable.filter(nan).length;
  const verdict: Verdict = stabilized.filter(nan).length > 0
    ? "disagree"
    : reachable.length === 0
    ? "not reproduced"
    : stopped === reachable.length
    ? "agree"
    : stopped > 0
    ? "partly agree"
    : "disagree";
  return { verdict, measured };
}
