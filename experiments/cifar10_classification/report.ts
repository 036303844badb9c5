// Figure 5's section of REPORT.md: each CIFAR-10 run's outcome beside the
// paper's published CNN curves (the ViT has none to compare with), every
// seed's NaN epoch against the paper's, and the curves (loss and the
// official script's accuracy) at a few epochs beside the published ones.
import type { RunRecord } from "../../lib/results/run_records.ts";
import { readRecords } from "../../lib/results/run_records.ts";
import { loadPublished, publishedCifarRun, type PublishedRun } from "../_published.ts";
import {
  againstPublished,
  nan,
  notRun,
  publishedOutcome,
  type Section,
  span,
  type StepRecord,
} from "../_sections.ts";
import { median } from "../_statistics.ts";

/** The epochs at which our curves are set beside the paper's (those a run reached). */
const COMPARED_EPOCHS = [1, 10, 100, 200, 293, 600, 1000];

const isVit = (r: RunRecord) => String(r.config.model).startsWith("vit");
const fmt = (x: number) => x.toPrecision(3);

/** "a (b–c)" of values: the median and the range, or the one value. */
function spread(values: number[]): string {
  if (values.length === 1) return fmt(values[0]);
  return `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

/** Every seed's NaN epoch (or cap) against the paper's, for the original CNN runs. */
function nanEpochs(originals: RunRecord[], paper: PublishedRun | undefined): string[] {
  if (originals.length === 0 || paper === undefined) return [];
  const paperNan = paper.completedEpochs + 1;
  const each = originals.map((r) =>
    r.status === "nan" ? `${r.nanEpoch}` : `none within ${r.config.epochs}`
  );
  const stopped = originals.filter(nan).map((r) => r.nanEpoch!);
  const lines = [
    `original CNN, NaN epoch per seed: ${each.join(", ")}; the paper's one draw: ${paperNan} ` +
    `(${paper.completedEpochs} epochs completed)`,
  ];
  if (stopped.length > 0) {
    const [low, high] = [Math.min(...stopped), Math.max(...stopped)];
    lines.push(
      `spread of our NaN epochs: median ${median(stopped)}, range ${low}–${high} ` +
        `(${stopped.length} of ${originals.length} seeds stopped); the paper's ${paperNan} lies ` +
        (paperNan >= low && paperNan <= high ? "inside" : "outside") + " that range",
    );
  }
  for (const r of originals.filter((r) => !nan(r))) {
    const m = r.epochMetrics;
    if (m === undefined) continue;
    lines.push(
      `${r.runId} met no NaN within ${r.config.epochs} epochs: its logits reached ` +
        `${fmt(Math.min(...m.logitMin))} to ${fmt(Math.max(...m.logitMax))} (the focal ` +
        "factor's base 1 − p_t rounds to 0 in float32 only beyond about ±17)",
    );
  }
  return lines;
}

/** Our curves at COMPARED_EPOCHS beside the paper's: loss and accuracy, per loss. */
function curveTable(cnn: RunRecord[], paperOf: (r: RunRecord) => PublishedRun | undefined) {
  const rows: string[] = [];
  for (const stabilization of ["none", "epsilon"] as const) {
    const runs = cnn.filter((r) => r.config.stabilization === stabilization);
    const paper = runs.length > 0 ? paperOf(runs[0]) : undefined;
    for (const epoch of COMPARED_EPOCHS) {
      const reached = runs.filter((r) => r.epochLosses.length >= epoch);
      if (reached.length === 0) continue;
      const losses = reached.map((r) => r.epochLosses[epoch - 1]);
      const accuracies = reached.flatMap((r) =>
        r.epochMetrics ? [r.epochMetrics.accuracyLogitOverHalf[epoch - 1]] : []
      );
      const usual = reached.flatMap((r) =>
        r.epochMetrics ? [r.epochMetrics.accuracy[epoch - 1]] : []
      );
      const theirs = (series: number[] | undefined) =>
        series !== undefined && series.length >= epoch ? fmt(series[epoch - 1]) : "–";
      rows.push(
        `| ${
          stabilization === "none" ? "original" : "stabilized"
        } | ${epoch} | ${reached.length} | ` +
          `${spread(losses)} | ${theirs(paper?.epochLosses)} | ` +
          `${accuracies.length ? spread(accuracies) : "–"} | ${theirs(paper?.epochAccuracy)} | ` +
          `${usual.length ? spread(usual) : "–"} |`,
      );
    }
  }
  if (rows.length === 0) return [];
  return [
    "Our CNN runs' training loss and accuracy at some epochs (median and range over the seeds " +
    "that reached the epoch) beside the paper's one published draw; accuracy counted as the " +
    "official script counts it (logit > 0.5 is class 1) and as usual (logit > 0):",
    "",
    "| loss | epoch | seeds | our loss | paper's loss | our accuracy (logit > 0.5) | paper's | our accuracy (logit > 0) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ];
}

/** Figure 5's section, from `<out>/cifar10-classification/runs.jsonl`. */
export async function figure5Section(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 5: CIFAR-10 vehicles vs animals, CNN (A.4) and ViT (A.5)";
  const claim = "With the original loss (γ = α = 0.5) both the CNN and the ViT meet a NaN " +
    "during training (the paper's CNN in epoch 294); with the stabilized loss both complete all epochs.";
  const published = await loadPublished();
  const paper = published.cifar10Classification.map((p) =>
    `the paper's CNN, ${p.loss}: ${publishedOutcome(p)}`
  );
  const records = await readRecords(`${out}/cifar10-classification/runs.jsonl`);
  if (records.length === 0) {
    const section = notRun(title, claim, step?.reason ?? "no runs recorded", step);
    section.measured.push(...paper);
    return section;
  }
  const paperOf = (r: RunRecord) => publishedCifarRun(published, r.config);
  // The published series is the CNN's; the ViT has none to compare with.
  const { verdict, measured } = againstPublished(records, paperOf);
  const cnn = records.filter((r) => !isVit(r));
  const originals = cnn.filter((r) => r.config.stabilization === "none");
  measured.push(...nanEpochs(originals, originals.length > 0 ? paperOf(originals[0]) : undefined));
  if (records.some(isVit)) {
    measured.push(
      "the ViT runs here are the profile's model: the paper's ViT-B/16 at 224×224 only in the " +
        "paper profile (a GPU's work); a small ViT is an analogue, not the paper's network",
    );
  }
  const links = ["cifar10-classification/runs.jsonl", "cifar10-classification/figure5.svg"];
  if (cnn.some((r) => r.epochMetrics)) links.push("cifar10-classification/figure5_accuracy.svg");
  return {
    title,
    claim,
    verdict,
    measured,
    body: curveTable(cnn, paperOf),
    links,
    step,
    wallSeconds: span(records),
  };
}
