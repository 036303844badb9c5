import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import {
  compareCells,
  figure4Claims,
  figure4Markdown,
  overallVerdict,
  summarize,
} from "../experiments/mnist_classification/report.ts";
import { loadPublished, type PublishedResults } from "../experiments/_published.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

/** A record of one run: only what the comparison reads. */
function record(
  gamma: number,
  threshold: number,
  noise: "none" | "high",
  completedEpochs: number,
  { cap = 20, stabilization = "none" }: { cap?: number; stabilization?: "none" | "epsilon" } = {},
): RunRecord {
  return {
    runId: `noise=${noise}/threshold=${threshold}/gamma=${gamma}/${stabilization}`,
    config: { gamma, threshold, noise, stabilization, epochs: cap, alpha: 0.5, epsilon: 0 },
    status: completedEpochs < cap ? "nan" : "completed",
    completedEpochs,
    nanEpoch: completedEpochs < cap ? completedEpochs + 1 : null,
  } as unknown as RunRecord;
}

/** Published cells with chosen completed epochs (of 100). */
function published(cells: [number, number, "none" | "high", number][]): PublishedResults {
  return {
    source: { repository: "r", commit: "c0ffee0", files: "f", linkedFrom: "l" },
    semantics: {},
    mnistClassification: cells.map(([gamma, threshold, noise, completedEpochs]) => ({
      loss: "original",
      gamma,
      threshold,
      noise,
      completedEpochs,
      maxEpochs: 100,
      epochLosses: [],
    })),
    mnistSegmentation: [],
    cifar10Classification: [],
  };
}

Deno.test(name("Figure 4 cells are compared at the run's cap"), () => {
  const paper = published([[0.1, 0, "none", 3], [0.9, 4, "none", 60]]);
  const [a, b] = compareCells([record(0.1, 0, "none", 4), record(0.9, 4, "none", 20)], paper);
  // The paper's 60 of 100 is "completes" at a cap of 20.
  assert.deepEqual([a.ours, a.paper, a.oursStops, a.paperStops], [4, 3, true, true]);
  assert.deepEqual([b.ours, b.paper, b.oursStops, b.paperStops], [20, 20, false, false]);
  const s = summarize([a, b]);
  assert.equal(s.agreement, 1);
  assert.equal(s.rankCorrelation, 1);
  // NaN epochs 5 (ours) and 4 (the paper's): ratio 1.25.
  assert.equal(s.nanEpochRatio, 1.25);
  assert.equal(s.bothStop, 1);
});

Deno.test(name("Figure 4's claims follow their rules, both ways"), () => {
  const paper = published([
    [0.1, 0, "none", 3],
    [0.9, 0, "none", 30],
    [0.1, 4, "none", 10],
    [0.9, 4, "none", 90],
    [0.1, 0, "high", 12],
    [0.9, 4, "high", 100],
  ]);
  // Ours like the paper: stops sooner for small γ and imbalance, later with noise.
  const like = [
    record(0.1, 0, "none", 3),
    record(0.9, 0, "none", 15),
    record(0.1, 4, "none", 9),
    record(0.9, 4, "none", 20),
    record(0.1, 0, "high", 12),
    record(0.9, 4, "high", 20),
    record(2, 4, "none", 20),
    record(0.5, 4, "none", 20, { stabilization: "epsilon" }),
  ];
  const claims = figure4Claims(compareCells(like, paper));
  assert.deepEqual(claims.map((c) => c.verdict), ["agree", "agree", "agree", "agree"]);
  assert.equal(overallVerdict(claims), "agree");
  // A stabilized run and a stable γ with a NaN; stops where the paper's complete and the
  // reverse (25% agreement), epochs falling with γ, and high noise stopping first.
  const unlike = [
    record(0.1, 0, "none", 20),
    record(0.9, 0, "none", 2),
    record(0.1, 4, "none", 2),
    record(0.9, 4, "high", 1),
    record(2, 4, "none", 3),
    record(0.5, 4, "none", 7, { stabilization: "epsilon" }),
  ];
  const bad = figure4Claims(compareCells(unlike, paper));
  assert.deepEqual(bad.map((c) => c.verdict), ["disagree", "disagree", "disagree", "disagree"]);
  assert.equal(overallVerdict(bad), "disagree");
});

Deno.test(name("the Figure 4 report reads the real published cells"), async () => {
  const real = await loadPublished();
  assert.equal(real.mnistClassification.length, 810);
  // The paper's γ = 0.1, threshold 0, no noise: 3 completed epochs.
  const { lines, summary } = figure4Markdown([record(0.1, 0, "none", 4)], real);
  assert.equal(summary.cells, 1);
  assert.ok(lines.some((l) => l.includes("| none | 0 (0.11) | 0.1 | original | 20 | 4 × | 3 × |")));
  assert.ok(lines.some((l) => l.includes("f3c8cb4")), "the reference's commit is cited");
});
