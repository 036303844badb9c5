// Figure 6's section of REPORT.md: each U-Net run's outcome beside the
// paper's published run of the same noise and loss.
import { readRecords } from "../../lib/results/run_records.ts";
import { loadPublished, publishedSegmentationRun, publishedSource } from "../_published.ts";
import {
  againstPublished,
  MNIST_TRAIN_IMAGES,
  notRun,
  type Section,
  span,
  type StepRecord,
} from "../_sections.ts";

/** Figure 6's section, from `<out>/mnist-segmentation/runs.jsonl`. */
export async function figure6Section(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 6: MNIST segmentation, U-Net (A.6)";
  const claim = "With the original loss (γ = α = 0.5) the run without noise meets a NaN " +
    "(the paper's: in epoch 58), medium noise delays it (epoch 872), and with high noise it does " +
    "not occur in 1000 epochs; with the stabilized loss all three runs complete.";
  const records = await readRecords(`${out}/mnist-segmentation/runs.jsonl`);
  if (records.length === 0) return notRun(title, claim, step?.reason ?? "no runs recorded", step);
  const published = await loadPublished();
  const { verdict, measured } = againstPublished(
    records,
    (r) => publishedSegmentationRun(published, r.config),
  );
  measured.unshift(
    `${records.length} runs, U-Net width ${records[0].config.width} (the paper's: 64), ${
      records[0].config.trainSamples ?? MNIST_TRAIN_IMAGES
    } images, capped at ${records[0].config.epochs} of the paper's 1000 epochs; reference: ${
      publishedSource(published)
    }`,
  );
  return {
    title,
    claim,
    verdict,
    measured,
    links: ["mnist-segmentation/runs.jsonl", "mnist-segmentation/figure6.svg"],
    step,
    wallSeconds: span(records),
  };
}
