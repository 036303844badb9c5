import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import {
  compareCells,
  figure4Claims,
  figure4Markdown,
  overallVerdict,
  SEED_SPREAD_FOLDER,
  spreadBeside,
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
  { cap = 20, stabilization = "none", repeat = 0 }: {
    cap?: number;
    stabilization?: "none" | "epsilon";
    repeat?: number;
  } = {},
): RunRecord {
  return {
    runId: `noise=${noise}/threshold=${threshold}/gamma=${gamma}/${stabilization}` +
      (repeat > 0 ? `/repeat=${repeat}` : ""),
    config: {
      gamma,
      threshold,
      noise,
      stabilization,
      epochs: cap,
      alpha: 0.5,
      epsilon: 0,
      ...(repeat > 0 ? { repeat } : {}),
    },
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
  assert.deepEqual([a.ours, a.paper, a.stops, a.paperStops], [4, 3, 1, true]);
  assert.deepEqual([b.ours, b.paper, b.stops, b.paperStops], [20, 20, 0, false]);
  const s = summarize([a, b]);
  assert.equal(s.agreement, 1);
  assert.equal(s.rankCorrelation, 1);
  // NaN epochs 5 (ours) and 4 (the paper's): ratio 1.25.
  assert.equal(s.nanEpochRatio, 1.25);
  assert.equal(s.bothStop, 1);
  assert.equal(s.repeats, 1);
  assert.equal(s.insideShare, null, "one draw has no range");
});

Deno.test(
  name("Figure 4 cells over seeds: ranges, the paper inside them, and the mean agreement"),
  () => {
    const paper = published([[0.1, 0, "none", 3], [0.9, 4, "none", 60], [0.5, 8, "none", 7]]);
    const seeds = (gamma: number, threshold: number, epochs: number[]) =>
      epochs.map((e, repeat) => record(gamma, threshold, "none", e, { repeat }));
    const cells = compareCells([
      // Repeats listed out of order: a cell's draws come in repeat order.
      ...seeds(0.1, 0, [4, 2, 9, 20, 5]).reverse(),
      ...seeds(0.9, 4, [20, 20, 20, 20, 20]),
      ...seeds(0.5, 8, [12, 20, 9, 15, 20]),
    ], paper);
    assert.equal(cells.length, 3);
    const [a, b, c] = cells;
    assert.equal(a.runId, "noise=none/threshold=0/gamma=0.1/none");
    assert.deepEqual(a.draws, [4, 2, 9, 20, 5]);
    assert.deepEqual([a.ours, a.stops, a.inside], [5, 4, true]);
    // All seeds and the paper (60 of 100, capped at 20) at the cap: inside.
    assert.deepEqual([b.ours, b.stops, b.inside], [20, 0, true]);
    // The paper's 7 lies below every seed's 9–20.
    assert.deepEqual([c.ours, c.stops, c.inside], [15, 3, false]);
    const s = summarize(cells);
    assert.equal(s.repeats, 5);
    // 4 of 5 seeds stop where the paper's does, 5 of 5 complete, 3 of 5 stop.
    assert.ok(Math.abs(s.agreement - (0.8 + 1 + 0.6) / 3) < 1e-12);
    assert.ok(Math.abs(s.insideShare! - 2 / 3) < 1e-12);
    assert.ok(Math.abs(s.insideBaseline! - 4 / 6) < 1e-12);
    assert.equal(s.fewer, 0);
    // A spread still running: a cell with 2 seeds counts with its own (R − 1)/(R + 1) = 1/3.
    const running = summarize(compareCells([
      ...seeds(0.1, 0, [4, 2, 9, 20, 5]),
      ...seeds(0.9, 4, [20, 20]),
    ], paper));
    assert.deepEqual([running.repeats, running.fewer], [5, 1]);
    assert.ok(Math.abs(running.insideBaseline! - (4 / 6 + 1 / 3) / 2) < 1e-12);
    // Claim (a)'s and (d)'s count is of runs, every seed's.
    const claims = figure4Claims(cells);
    assert.match(claims[1].measured, /inside our seeds' range in 67% of the cells \(67% expected/);
    const { lines } = figure4Markdown(
      seeds(0.1, 0, [4, 2, 9, 20, 5]),
      published([[0.1, 0, "none", 3]]),
    );
    assert.ok(
      lines.some((l) => l.includes("| 20 | 5 (2–20) | 4 of 5 | 3 × | yes |")),
      lines.join("\n"),
    );
  },
);

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

Deno.test(
  name("a seed spread beside the records stands in for its cells' single draws"),
  async () => {
    const out = await Deno.makeTempDir({ prefix: "focal-spread-" });
    const withLosses = (r: RunRecord, profile = "default") =>
      ({ ...r, profile, nanStep: null, epochLosses: [r.completedEpochs / 100] }) as RunRecord;
    const records = [
      withLosses(record(0.1, 0, "none", 4)),
      withLosses(record(0.9, 0, "none", 20)),
      withLosses(record(2, 0, "none", 20)),
    ];
    try {
      assert.equal(await spreadBeside(out, records), null, "no spread: null");
      const dir = `${out}/${SEED_SPREAD_FOLDER}/mnist-classification`;
      await Deno.mkdir(dir, { recursive: true });
      const seeds = [
        withLosses(record(0.1, 0, "none", 4)),
        withLosses(record(0.1, 0, "none", 7, { repeat: 1 })),
        // Repeat 0 unlike the record beside it.
        withLosses(record(0.9, 0, "none", 19)),
        withLosses(record(0.9, 0, "none", 20, { repeat: 1 })),
      ];
      await Deno.writeTextFile(
        `${dir}/runs.jsonl`,
        seeds.map((r) => JSON.stringify(r) + "\n").join(""),
      );
      const spread = await spreadBeside(out, records);
      assert.ok(spread !== null);
      assert.deepEqual(
        spread.judged.map((r) => r.runId).sort(),
        [records[2], ...seeds].map((r) => r.runId).sort(),
      );
      assert.match(spread.note, /over 2 seeds: the 2 cells .* \(4 runs\)/);
      assert.match(spread.note, /reproduces the record here in 1 of 2 cells/);
      // A spread still running (a cell without its second seed) only gets a line.
      await Deno.writeTextFile(
        `${dir}/runs.jsonl`,
        seeds.slice(0, 3).map((r) => JSON.stringify(r) + "\n").join(""),
      );
      const partial = await spreadBeside(out, records);
      assert.equal(partial?.judged, records);
      assert.match(partial!.note, /3 runs of 2 cells \(of 2 unstable original cells here, 2 seeds/);
      // Another profile's spread cannot stand in.
      await Deno.writeTextFile(
        `${dir}/runs.jsonl`,
        seeds.map((r) => JSON.stringify({ ...r, profile: "paper" }) + "\n").join(""),
      );
      assert.equal(await spreadBeside(out, records), null);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
);
