// Figure 4's section of REPORT.md: our runs beside the paper's published
// cells (experiments/reference/), claim by claim, with the rule of each
// verdict printed next to it.
//
// Every comparison is made at the run's epoch cap: a cell "stops" when its
// completed epochs are below the cap (a NaN came within it), and the paper's
// completed epochs are capped the same way, so that a 20-epoch sample is
// compared with the paper's first 20 epochs, not its 100.
import { readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import {
  loadPublished,
  publishedMnistCell,
  type PublishedResults,
  publishedSource,
} from "../_published.ts";
import { median, spearman } from "../_statistics.ts";
import {
  MNIST_TRAIN_IMAGES,
  notRun,
  type Section,
  span,
  type StepRecord,
  type Verdict,
} from "../_sections.ts";

/** Table 1's class A/B ratio of each threshold. */
export const TABLE1_RATIOS = [0.11, 0.27, 0.45, 0.70, 1.04, 1.50, 2.32, 4.08, 9.09];

/**
 * One cell of ours (every seed that ran it: `--repeats`) beside the paper's
 * single draw, both at the run's cap.
 */
export interface CellComparison {
  /** The cell: its runs' id without "/repeat=r". */
  runId: string;
  gamma: number;
  threshold: number;
  noise: string;
  stabilization: string;
  cap: number;
  /** Our completed epochs, one per seed, in repeat order. */
  draws: number[];
  /** Their median (the value itself for one seed). */
  ours: number;
  /** Seeds that stopped at a NaN within the cap. */
  stops: number;
  /** The paper's completed epochs, capped; null when the paper has no such cell. */
  paper: number | null;
  paperStops: boolean | null;
  /** Whether the paper's value lies in [min, max] of our draws (null without one). */
  inside: boolean | null;
}

/** The cell a run belongs to: its id without the repeat. */
export const cellOf = (runId: string): string => runId.replace(/\/repeat=\d+$/, "");

/** Our records, grouped into cells, beside the published cells. */
export function compareCells(
  records: RunRecord[],
  published: PublishedResults,
): CellComparison[] {
  const byCell = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = cellOf(r.runId);
    byCell.set(key, [...(byCell.get(key) ?? []), r]);
  }
  return [...byCell].map(([runId, runs]) => {
    runs.sort((a, b) => Number(a.config.repeat ?? 0) - Number(b.config.repeat ?? 0));
    const r = runs[0];
    const cap = Number(r.config.epochs);
    const cell = publishedMnistCell(published, r.config);
    const draws = runs.map((x) => x.completedEpochs);
    const paper = cell ? Math.min(cell.completedEpochs, cap) : null;
    return {
      runId,
      gamma: r.config.gamma,
      threshold: Number(r.config.threshold),
      noise: r.config.noise,
      stabilization: r.config.stabilization,
      cap,
      draws,
      ours: median(draws),
      stops: draws.filter((d) => d < cap).length,
      paper,
      paperStops: cell ? cell.completedEpochs < cap : null,
      inside: paper === null ? null : Math.min(...draws) <= paper && paper <= Math.max(...draws),
    };
  });
}

const unstable = (g: number) => g > 0 && g < 1;
const fmt = (x: number, digits = 2) => (Number.isNaN(x) ? "n/a" : x.toFixed(digits));
const imbalance = (c: CellComparison) => Math.abs(Math.log(TABLE1_RATIOS[c.threshold]));
/** The share of a cell's seeds whose outcome (stop or complete) is the paper's. */
const agreementOf = (c: CellComparison) =>
  (c.paperStops ? c.stops : c.draws.length - c.stops) / c.draws.length;

/** The summary numbers of the unstable original cells. */
export interface Figure4Summary {
  cells: number;
  /** Seeds per cell (the most, where cells differ: a spread still running). */
  repeats: number;
  /** Cells with fewer seeds than `repeats`. */
  fewer: number;
  /**
   * The share of our draws whose outcome ("stops within the cap" or
   * "completes it") is the paper's, averaged over cells: the agreement one
   * seed of ours would have on average (for one seed per cell, the share of
   * cells that agree).
   */
  agreement: number;
  /** Spearman's ρ of completed epochs (capped, our median), ours vs the paper's, across cells. */
  rankCorrelation: number;
  /** Median of ours/paper NaN epochs (our median) where both stop within the cap. */
  nanEpochRatio: number;
  /** Cells whose median stops (ours) and whose paper's run stops, within the cap. */
  bothStop: number;
  oursStop: number;
  paperStop: number;
  /** Share of the cells with several seeds where the paper's value lies within their range (null for none). */
  insideShare: number | null;
  /** What insideShare would be if the paper's draw were one more of ours: the mean of (R − 1)/(R + 1) without ties. */
  insideBaseline: number | null;
}

/** Summary numbers of the unstable-γ original cells that the paper has. */
export function summarize(cells: CellComparison[]): Figure4Summary {
  const compared = cells.filter((c) =>
    c.paper !== null && unstable(c.gamma) && c.stabilization === "none"
  );
  const oursStop = (c: CellComparison) => c.ours < c.cap;
  const both = compared.filter((c) => oursStop(c) && c.paperStops);
  const repeats = Math.max(...compared.map((c) => c.draws.length));
  const ranged = compared.filter((c) => c.draws.length > 1);
  return {
    cells: compared.length,
    repeats,
    agreement: compared.reduce((sum, c) => sum + agreementOf(c), 0) / compared.length,
    rankCorrelation: spearman(compared.map((c) => c.ours), compared.map((c) => c.paper!)),
    nanEpochRatio: median(both.map((c) => (c.ours + 1) / (c.paper! + 1))),
    bothStop: both.length,
    oursStop: compared.filter(oursStop).length,
    paperStop: compared.filter((c) => c.paperStops).length,
    fewer: compared.filter((c) => c.draws.length < repeats).length,
    insideShare: ranged.length > 0 ? ranged.filter((c) => c.inside).length / ranged.length : null,
    insideBaseline: ranged.length > 0
      ? ranged.reduce((sum, c) => sum + (c.draws.length - 1) / (c.draws.length + 1), 0) /
        ranged.length
      : null,
  };
}

/** One claim of Figure 4: what the paper says, the rule, the numbers, the verdict. */
export interface Claim {
  label: string;
  claim: string;
  rule: string;
  measured: string;
  verdict: Verdict;
}

/**
 * The claims (a)–(d) of Figure 4, each judged by its rule from our runs and
 * the paper's cells at the same cap.
 */
export function figure4Claims(cells: CellComparison[]): Claim[] {
  const stable = cells.filter((c) => !unstable(c.gamma));
  const original = cells.filter((c) => unstable(c.gamma) && c.stabilization === "none");
  const stabilized = cells.filter((c) => c.stabilization !== "none");
  const s = summarize(cells);
  const never = (rs: CellComparison[], label: string, claim: string): Claim => {
    const nan = rs.reduce((sum, c) => sum + c.stops, 0);
    const runs = rs.reduce((sum, c) => sum + c.draws.length, 0);
    return {
      label,
      claim,
      rule: "agree if none of our runs meets a NaN; otherwise disagree",
      measured: `${nan} of ${runs} of our runs met a NaN (the paper's: ${
        rs.filter((c) => c.paperStops).length
      } of ${rs.filter((c) => c.paper !== null).length} stop within the same caps)`,
      verdict: rs.length === 0 ? "not run" : nan === 0 ? "agree" : "disagree",
    };
  };
  const trend = (key: (c: CellComparison) => number) => ({
    ours: spearman(original.map(key), original.map((c) => c.ours)),
    paper: spearman(
      original.filter((c) => c.paper !== null).map(key),
      original.filter((c) => c.paper !== null).map((c) => c.paper!),
    ),
  });
  const byGamma = trend((c) => c.gamma);
  const byImbalance = trend(imbalance);
  const noiseMedian = (noise: string, side: "ours" | "paper") =>
    median(
      original.filter((c) => c.noise === noise && c[side] !== null).map((c) => c[side] as number),
    );
  const noises = [...new Set(original.map((c) => c.noise))];
  const delayed = noises.includes("none") && noises.length > 1;
  const noisiest = noises.includes("high") ? "high" : noises.includes("medium") ? "medium" : "none";
  const oursDelay = noiseMedian(noisiest, "ours") - noiseMedian("none", "ours");
  const paperDelay = noiseMedian(noisiest, "paper") - noiseMedian("none", "paper");
  return [
    never(stable, "(a)", "stable γ (0 and 1–5), original loss: no run meets a NaN"),
    {
      label: "(b)",
      claim: "0 < γ < 1, original loss: runs stop at a NaN, sooner for small γ and strong " +
        "class imbalance",
      rule:
        (s.repeats > 1
          ? "agree if our seeds' outcomes (stop vs complete) are the paper's in ≥ 80% on average " +
            "over the cells, and our median completed epochs rise with γ (Spearman ρ > 0) and " +
            "fall with imbalance |log(A/B)| (ρ < 0)"
          : "agree if ours and the paper agree on stop-vs-complete in ≥ 80% of the cells (one " +
            "draw each), and completed epochs rise with γ (Spearman ρ > 0) and fall with " +
            "imbalance |log(A/B)| (ρ < 0)") +
        " in ours as in the paper; partly agree if the share is ≥ 60% or both trends hold; " +
        "else disagree",
      measured: `${s.oursStop} of ${original.length} of ours stop within the cap` +
        (s.repeats > 1 ? ` (median of ${s.repeats} seeds)` : "") +
        `, the paper's ${s.paperStop} of ${s.cells}; agreement ${fmt(100 * s.agreement, 0)}%` +
        (s.insideShare !== null
          ? `; the paper's value inside our seeds' range in ${
            fmt(100 * s.insideShare, 0)
          }% of the cells (${fmt(100 * s.insideBaseline!, 0)}% expected if it were one more ` +
            "of our draws)"
          : "") +
        `; ρ(epochs, γ) ours ${fmt(byGamma.ours)}, paper ${fmt(byGamma.paper)}; ρ(epochs, ` +
        `imbalance) ours ${fmt(byImbalance.ours)}, paper ${fmt(byImbalance.paper)}`,
      verdict: original.length === 0 ? "not run" : (() => {
        const trends = byGamma.ours > 0 && byImbalance.ours < 0;
        if (s.agreement >= 0.8 && trends) return "agree";
        if (s.agreement >= 0.6 || trends) return "partly agree";
        return "disagree";
      })(),
    },
    {
      label: "(c)",
      claim: "noise delays the NaN (or prevents it)",
      rule:
        `agree if the median completed epochs (over cells${
          s.repeats > 1 ? ", of each cell's median over seeds" : ""
        }) of the unstable original cells with ` +
        `${noisiest} noise exceed those without noise, in ours as in the paper; partly agree ` +
        `if they are equal (both at the cap, or tied); else disagree`,
      measured: delayed
        ? `median completed epochs, none → ${noisiest}: ours ${noiseMedian("none", "ours")} → ${
          noiseMedian(noisiest, "ours")
        }, paper ${noiseMedian("none", "paper")} → ${noiseMedian(noisiest, "paper")}`
        : "only one noise level was run",
      verdict: !delayed
        ? "not run"
        : oursDelay > 0 && paperDelay > 0
        ? "agree"
        : oursDelay === 0
        ? "partly agree"
        : "disagree",
    },
    never(stabilized, "(d)", "0 < γ < 1, stabilized loss (ε = 1e-3): no run meets a NaN"),
  ];
}

/** The overall verdict: the worst claim's, with "disagree" on (a) or (d) decisive. */
export function overallVerdict(claims: Claim[]): Verdict {
  const verdicts = claims.map((c) => c.verdict).filter((v) => v !== "not run");
  if (verdicts.length === 0) return "not run";
  if (verdicts.every((v) => v === "agree")) return "agree";
  if (verdicts.every((v) => v === "disagree")) return "disagree";
  return "partly agree";
}

/** Markdown lines: the claims table, the summary numbers and the per-cell table. */
export function figure4Markdown(
  records: RunRecord[],
  published: PublishedResults,
): { verdict: Verdict; lines: string[]; summary: Figure4Summary } {
  const cells = compareCells(records, published);
  const claims = figure4Claims(cells);
  const summary = summarize(cells);
  const spread = summary.repeats > 1;
  const lines = [
    `Reference: the paper's published per-run results, ${publishedSource(published)}. ` +
    "Each of its cells is one unseeded run; ours are seeded" +
    (spread
      ? `, ${summary.repeats} seeds a cell (\`--repeats ${summary.repeats}\`${
        summary.fewer > 0 ? `; ${summary.fewer} cells have fewer: a spread still running` : ""
      })`
      : ", one draw a cell") +
    ". Both sides are compared at each run's epoch cap.",
    "",
    "| claim | paper | rule | measured | verdict |",
    "| --- | --- | --- | --- | --- |",
    ...claims.map((c) => `| ${c.label} | ${c.claim} | ${c.rule} | ${c.measured} | ${c.verdict} |`),
    "",
    spread
      ? `Unstable-γ original cells compared: ${summary.cells}, ${summary.repeats} seeds each. ` +
        `**Agreement**, the share of our seeds whose outcome ("stops at a NaN within the cap" ` +
        `or "completes it") is the paper's, averaged over the cells: ` +
        `**${fmt(100 * summary.agreement, 0)}%**. **Inside the range**: the paper's completed ` +
        `epochs lie within our seeds' min–max in **${fmt(100 * summary.insideShare!, 0)}%** of ` +
        `the cells. Were the paper's run one more draw from our distribution, it would land ` +
        `inside the range of ${summary.repeats} draws with probability (R − 1)/(R + 1) = ` +
        `${fmt(100 * summary.insideBaseline!, 0)}%, more with ties at the cap (a cell where all ` +
        `our seeds and the paper reach the cap counts as inside). Spearman's ρ of completed ` +
        `epochs, our medians vs the paper's: **${fmt(summary.rankCorrelation)}**. Median ratio ` +
        `of NaN epochs (our median / paper's) where both stop: ` +
        `**${fmt(summary.nanEpochRatio)}** (${summary.bothStop} cells).`
      : `Unstable-γ original cells compared: ${summary.cells}, one draw each. Agreement on ` +
        `"stops at a NaN within the cap" vs "completes the cap": ` +
        `**${fmt(100 * summary.agreement, 0)}%**. Spearman's ρ of completed epochs, ours vs the ` +
        `paper's: **${fmt(summary.rankCorrelation)}**. Median ratio of NaN epochs (ours / ` +
        `paper's) where both stop: **${fmt(summary.nanEpochRatio)}** (${summary.bothStop} cells).`,
    "",
    "<details><summary>Every cell: completed epochs, ours vs the paper's (capped at the run's " +
    (spread
      ? "epochs; ours: median (min–max) over the seeds, and how many stopped at a NaN)</summary>"
      : "epochs; × = stopped at a NaN)</summary>"),
    "",
    spread
      ? "| noise | threshold (A/B) | γ | loss | cap | ours: median (min–max) | seeds stopped | paper | paper inside |"
      : "| noise | threshold (A/B) | γ | loss | cap | ours | paper |",
    spread
      ? "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |"
      : "| --- | --- | ---: | --- | ---: | ---: | ---: |",
    ...cells.map((c) => {
      const head = `| ${c.noise} | ${c.threshold} (${TABLE1_RATIOS[c.threshold]}) | ${c.gamma} | ${
        c.stabilization === "none" ? "original" : "stabilized"
      } | ${c.cap} | `;
      const paper = c.paper === null ? "—" : `${c.paper}${c.paperStops ? " ×" : ""}`;
      return spread
        ? `${head}${c.ours} (${Math.min(...c.draws)}–${
          Math.max(...c.draws)
        }) | ${c.stops} of ${c.draws.length} | ${paper} | ${
          c.inside === null ? "—" : c.inside ? "yes" : "no"
        } |`
        : `${head}${c.ours}${c.stops > 0 ? " ×" : ""} | ${paper} |`;
    }),
    "",
    "</details>",
  ];
  return { verdict: overallVerdict(claims), lines, summary };
}

/** Images one run trained on: whole epochs, plus the steps of the epoch that met a NaN. */
function imagesTrained(r: RunRecord, datasetSize: number): number {
  const batch = Number(r.config.batchSize);
  return r.completedEpochs * datasetSize +
    (r.status === "nan" ? Math.min((r.nanStep as number) * batch, datasetSize) : 0);
}

/**
 * The folder under a results root that holds the seed spread: the default
 * profile's unstable-γ cells over several seeds (docs/reproduction.md gives
 * its command).
 */
export const SEED_SPREAD_FOLDER = "seed-spread";

/** The runs the claims are judged on when a seed spread lies beside the records, and a note. */
export interface SpreadBeside {
  /** The records, with each cell the spread ran replaced by its seeds. */
  judged: RunRecord[];
  note: string;
}

/**
 * Reads <out>/seed-spread/mnist-classification/runs.jsonl; null when absent
 * or of another profile or cap than `records` (then it cannot stand in).
 * Its repeat 0 is the run a plain invocation makes: the note says in how
 * many cells it equals the record beside it (status, NaN step, epoch losses).
 */
export async function spreadBeside(
  out: string,
  records: RunRecord[],
): Promise<SpreadBeside | null> {
  const seeds = await readRecords(`${out}/${SEED_SPREAD_FOLDER}/mnist-classification/runs.jsonl`);
  if (seeds.length === 0) return null;
  const same = (a: RunRecord, b: RunRecord) =>
    a.profile === b.profile && a.config.epochs === b.config.epochs;
  if (!seeds.every((r) => same(r, records[0]))) return null;
  const cells = new Set(seeds.map((r) => cellOf(r.runId)));
  const repeats = Math.max(...seeds.map((r) => Number(r.config.repeat ?? 0))) + 1;
  // Every unstable original cell here, each with every seed; else (a spread
  // still running, or resumed later) it only gets a line.
  const wanted = new Set(
    records.filter((r) => unstable(r.config.gamma) && r.config.stabilization === "none")
      .map((r) => cellOf(r.runId)),
  );
  const perCell = new Map<string, number>();
  for (const r of seeds) perCell.set(cellOf(r.runId), (perCell.get(cellOf(r.runId)) ?? 0) + 1);
  const complete = [...wanted].every((c) => perCell.get(c) === repeats) &&
    [...perCell.values()].every((n) => n === repeats);
  if (!complete) {
    return {
      judged: records,
      note: `${SEED_SPREAD_FOLDER}/ holds ${seeds.length} runs of ${perCell.size} cells (of ` +
        `${wanted.size} unstable original cells here, ${repeats} seeds each when complete): ` +
        "partial, so the claims below are judged on one draw a cell",
    };
  }
  const judged = [...records.filter((r) => !cells.has(cellOf(r.runId))), ...seeds];
  const byId = new Map(records.map((r) => [r.runId, r]));
  let equal = 0, paired = 0;
  for (const r of seeds) {
    const plain = byId.get(r.runId);
    if (plain === undefined) continue;
    paired++;
    if (
      plain.status === r.status && plain.nanStep === r.nanStep &&
      JSON.stringify(plain.epochLosses) === JSON.stringify(r.epochLosses)
    ) equal++;
  }
  return {
    judged,
    note: `over ${repeats} seeds: the ${cells.size} cells of ${SEED_SPREAD_FOLDER}/ ` +
      `(${seeds.length} runs) stand in for their single draws in the claims ((b) and (c) ` +
      "from the spread's statistics, (d) counting every seed's run) and the table; " +
      `its repeat 0 reproduces the record here in ${equal} of ${paired} cells (status, NaN ` +
      "step and every epoch's loss)",
  };
}

/** Figure 4's section of REPORT.md, from `<out>/mnist-classification/runs.jsonl`. */
export async function figure4Section(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 4: MNIST binary classification, CNN of A.4";
  const claim = "With the original loss, unstable γ (0 < γ < 1) runs stop at a NaN, earlier " +
    "for small γ and strong class imbalance, later (or never) with more noise; stable γ (0, " +
    "1–5) never do; with the stabilized loss (ε = 1e-3) every run completes.";
  const records = await readRecords(`${out}/mnist-classification/runs.jsonl`);
  if (records.length === 0) return notRun(title, claim, step?.reason ?? "no runs recorded", step);
  const published = await loadPublished();
  const spread = await spreadBeside(out, records);
  const { verdict, lines } = figure4Markdown(spread?.judged ?? records, published);
  const first = records[0].config;
  const caps = [...new Set(records.map((r) => Number(r.config.epochs)))].sort((a, b) => a - b);
  const measured = [
    `${records.length} runs (profile ${records[0].profile}), each capped at ${
      caps.join(" or ")
    } of the paper's 100 epochs, ${first.trainSamples ?? MNIST_TRAIN_IMAGES} images per run, ` +
    `${
      first.optimizer === "sgd"
        ? `SGD (lr ${first.learningRate}, momentum ${first.momentum})`
        : `Adam (lr ${first.learningRate})`
    }, batch ${first.batchSize}`,
  ];
  // Runs of one folder may come from several invocations (resumed, merged shards).
  const origins = new Map<string, number>();
  for (const r of records) {
    const p = r.provenance;
    const key = `commit ${p.gitCommit.slice(0, 7)}${p.gitDirty ? " (uncommitted changes)" : ""}, ` +
      `${p.backend}, ${p.cores} cores (${p.cpu})`;
    origins.set(key, (origins.get(key) ?? 0) + 1);
  }
  measured.push(
    "made by: " + [...origins].map(([key, n]) => `${n} runs at ${key}`).join("; "),
  );
  if (spread !== null) measured.push(spread.note);
  const seconds = span(records);
  const images = records.reduce(
    (sum, r) => sum + imagesTrained(r, Number(r.config.trainSamples ?? MNIST_TRAIN_IMAGES)),
    0,
  );
  measured.push(
    `grid throughput: ${Math.round(images / seconds)} model-images/s ` +
      `(${images} images trained in ${Math.round(seconds)} s, ${records[0].provenance.backend})`,
  );
  return {
    title,
    claim,
    verdict,
    measured,
    body: lines,
    links: [
      "mnist-classification/runs.jsonl",
      "mnist-classification/figure4.svg",
      ...(spread === null ? [] : [
        `${SEED_SPREAD_FOLDER}/REPORT.md`,
        `${SEED_SPREAD_FOLDER}/mnist-classification/figure4.svg`,
      ]),
    ],
    step,
    wallSeconds: seconds,
  };
}
