// Figure 5's section of REPORT.md: each CIFAR-10 run's outcome beside the
// paper's published CNN curves (the ViT has none to compare with).
import { readRecords } from "../../lib/results/run_records.ts";
import { loadPublished, publishedCifarRun } from "../_published.ts";
import {
  againstPublished,
  notRun,
  publishedOutcome,
  type Section,
  span,
  type StepRecord,
} from "../_sections.ts";

/** Figure 5's section, from `<out>/cifar10-classification/runs.jsonl`. */
export async function figure5Section(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 5: CIFAR-10 vehicles vs animals, CNN (A.4) and ViT (A.5)";
  const claim = "With the original loss (γ = α = 0.5) both the CNN and the ViT meet a NaN " +
    "during training; with the stabilized loss both complete all epochs.";
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
  // The published series is the CNN's; the ViT has none to compare with.
  const { verdict, measured } = againstPublished(
    records,
    (r) => publishedCifarRun(published, r.config),
  );
  return {
    title,
    claim,
    verdict,
    measured,
    links: ["cifar10-classification/runs.jsonl", "cifar10-classification/figure5.svg"],
    step,
    wallSeconds: span(records),
  };
}
