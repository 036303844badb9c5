// A reproduction's records against the committed ones (results/): how many
// runs came out equal bit for bit (status, NaN step, every epoch's loss),
// and where they differ, by how much. `deno task reproduce` prints it and
// writes it into its REPORT.md, so that a reviewer sees what was re-measured
// and what it changed.
import { readRecords, type RunRecord } from "../lib/results/run_records.ts";
import type { Section } from "./_sections.ts";

/** One experiment's comparison. */
export interface RecordComparison {
  experiment: string;
  /** Our runs with a committed run of the same id, profile and config. */
  compared: number;
  /** Of those, equal in status, NaN epoch and step, and every epoch loss. */
  equal: number;
  /** Of the others: the largest relative difference of a shared epoch's loss, and where. */
  largest: { runId: string; epoch: number; relative: number } | null;
  /** Runs whose outcome changed: completed vs NaN, or another NaN epoch. */
  outcomeChanged: string[];
  /** Our runs the committed folder has no match for (another profile, config or selection). */
  unmatched: number;
}

const sameConfig = (a: RunRecord, b: RunRecord) =>
  a.profile === b.profile && JSON.stringify(a.config) === JSON.stringify(b.config);

/** The largest relative difference between two loss series over their shared epochs. */
function largestDifference(ours: number[], theirs: number[]): { epoch: number; relative: number } {
  let best = { epoch: 0, relative: 0 };
  for (let i = 0; i < Math.min(ours.length, theirs.length); i++) {
    const relative = Math.abs(ours[i] - theirs[i]) / Math.max(Math.abs(theirs[i]), 1e-30);
    if (relative > best.relative || Number.isNaN(relative)) best = { epoch: i + 1, relative };
  }
  return best;
}

/** Compares `<out>/<experiment>/runs.jsonl` with `<reference>/<experiment>/runs.jsonl`. */
export async function compareRecords(
  out: string,
  reference: string,
  experiments: readonly string[],
): Promise<RecordComparison[]> {
  const comparisons: RecordComparison[] = [];
  for (const experiment of experiments) {
    const ours = await readRecords(`${out}/${experiment}/runs.jsonl`);
    if (ours.length === 0) continue;
    const theirs = new Map(
      (await readRecords(`${reference}/${experiment}/runs.jsonl`)).map((r) => [r.runId, r]),
    );
    const c: RecordComparison = {
      experiment,
      compared: 0,
      equal: 0,
      largest: null,
      outcomeChanged: [],
      unmatched: 0,
    };
    for (const r of ours) {
      const t = theirs.get(r.runId);
      if (t === undefined || !sameConfig(r, t)) {
        c.unmatched++;
        continue;
      }
      c.compared++;
      const sameOutcome = r.status === t.status && r.nanEpoch === t.nanEpoch;
      if (
        sameOutcome && r.nanStep === t.nanStep &&
        JSON.stringify(r.epochLosses) === JSON.stringify(t.epochLosses)
      ) {
        c.equal++;
        continue;
      }
      if (!sameOutcome) c.outcomeChanged.push(r.runId);
      const d = largestDifference(r.epochLosses, t.epochLosses);
      if (c.largest === null || d.relative > c.largest.relative) {
        c.largest = { runId: r.runId, ...d };
      }
    }
    comparisons.push(c);
  }
  return comparisons;
}

/** One line per experiment, for the console and the report. */
export function describeComparison(c: RecordComparison): string {
  if (c.compared === 0) {
    return `${c.experiment}: none of its ${c.unmatched} runs has a committed record of the same ` +
      "profile and config to compare with";
  }
  const parts = [
    `${c.experiment}: ${c.equal} of ${c.compared} runs equal the committed records bit for bit`,
  ];
  if (c.largest !== null) {
    parts.push(
      `the others' largest relative difference in an epoch loss: ${
        c.largest.relative.toExponential(2)
      } (${c.largest.runId}, epoch ${c.largest.epoch})`,
    );
  }
  if (c.outcomeChanged.length > 0) {
    parts.push(
      `outcome changed (completed vs NaN, or the NaN epoch): ${c.outcomeChanged.join(", ")}`,
    );
  }
  if (c.unmatched > 0) parts.push(`${c.unmatched} with no committed record to compare`);
  return parts.join("; ");
}

/** The report's section: what this reproduction re-measured against the committed records. */
export function comparisonSection(
  reference: string,
  comparisons: RecordComparison[],
): Section {
  return {
    title: `Against the committed records (${reference}/)`,
    claim: "(not a claim of the paper) The committed records are what this package says it " +
      "measured; a reproduction re-trains every run and compares.",
    verdict: "measured (not a claim of the paper)",
    measured: comparisons.length > 0
      ? comparisons.map(describeComparison)
      : ["no records of this reproduction to compare"],
    links: [],
  };
}
