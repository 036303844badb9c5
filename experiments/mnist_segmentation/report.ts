// Figure 6's section of REPORT.md: each U-Net run's outcome beside the
// paper's published run of the same noise and loss; at a width other than
// the paper's (profile width4), a section of its own whose rule asks only
// what a smaller network can show.
import { readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import { FLOAT32_SATURATING_LOGIT } from "../../lib/precision/float_limits.ts";
import { loadPublished, publishedSegmentationRun, publishedSource } from "../_published.ts";
import {
  againstPublished,
  MNIST_TRAIN_IMAGES,
  nan,
  notRun,
  outcome,
  publishedOutcome,
  type Section,
  span,
  type StepRecord,
  type Verdict,
} from "../_sections.ts";
import { PAPER_PROTOCOL } from "./profiles.ts";
import { sidesOf } from "../unet_horizon/report.ts";
import { horizonLines } from "../unet_horizon/plan.ts";

const CLAIM = "With the original loss (γ = α = 0.5) the run without noise meets a NaN " +
  "(the paper's: in epoch 58), medium noise delays it (epoch 872), and with high noise it does " +
  "not occur in 1000 epochs; with the stabilized loss all three runs complete.";

/** Figure 6's section, from `<out>/mnist-segmentation/runs.jsonl`. */
export async function figure6Section(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 6: MNIST segmentation, U-Net (A.6)";
  const records = await readRecords(`${out}/mnist-segmentation/runs.jsonl`);
  if (records.length === 0) return notRun(title, CLAIM, step?.reason ?? "no runs recorded", step);
  const width = Number(records[0].config.width);
  if (width !== PAPER_PROTOCOL.width) return smallerWidthSection(records, width, step);
  const published = await loadPublished();
  const { verdict, measured } = againstPublished(
    records,
    (r) => publishedSegmentationRun(published, r.config),
  );
  measured.unshift(
    `${records.length} runs, U-Net width ${width} (the paper's: ${PAPER_PROTOCOL.width}), ${
      records[0].config.trainSamples ?? MNIST_TRAIN_IMAGES
    } images, capped at ${records[0].config.epochs} of the paper's 1000 epochs; reference: ${
      publishedSource(published)
    }`,
  );
  return {
    title,
    claim: CLAIM,
    verdict,
    measured,
    links: ["mnist-segmentation/runs.jsonl", "mnist-segmentation/figure6.svg"],
    step,
    wallSeconds: span(records),
  };
}

/** How far a run's logits got: the last epoch's extremes and saturated shares, against ±17.33. */
export function logitReach(r: RunRecord): string {
  const m = r.epochMetrics;
  const last = r.completedEpochs - 1;
  const bg = m?.backgroundLogitMin?.[last], fg = m?.foregroundLogitMax?.[last];
  if (last < 0 || bg === undefined || fg === undefined) return "no saturation metrics";
  // An epoch without a background pixel records null: left out.
  const lowest = Math.min(
    ...m!.backgroundLogitMin!.slice(0, last + 1).filter((v): v is number => v !== null),
  );
  const share = (v?: number) => v === undefined ? "–" : `${(v * 100).toPrecision(2)}%`;
  return `epoch ${last + 1}: background min logit ${bg?.toFixed(2) ?? "–"} (lowest of any epoch ${
    lowest.toFixed(2)
  }), foreground max ${fg?.toFixed(2) ?? "–"}, saturated ${
    share(m!.backgroundSaturated?.[last])
  } of background and ${share(m!.foregroundSaturated?.[last])} of foreground pixels (past ±${
    FLOAT32_SATURATING_LOGIT.toFixed(2)
  })`;
}

/** The verdict at a smaller width: the rule, written before the runs. */
export const SMALLER_WIDTH_RULE = "rule: disagree if a stabilized run meets a NaN; agree if " +
  "every original run meets a NaN within its cap and its stabilized twin (same initial weights, " +
  "same batches) completes the epoch in which it did; partly agree if some original met its NaN " +
  "but not every one did or its twin has not completed that epoch (or has no record yet); not " +
  "reproduced if no original meets a NaN within its cap (the logits' reach then says how far it " +
  `was). The epoch of the NaN is not compared: the paper's is that of a width-${PAPER_PROTOCOL.width} U-Net`;

/** The verdict at a smaller width by SMALLER_WIDTH_RULE. */
export function smallerWidthVerdict(records: RunRecord[]): Verdict {
  const originals = records.filter((r) => r.config.stabilization === "none");
  const twin = (r: RunRecord) =>
    records.find((s) => s.config.stabilization === "epsilon" && s.config.noise === r.config.noise);
  if (records.some((r) => r.config.stabilization === "epsilon" && nan(r))) return "disagree";
  const stopped = originals.filter(nan);
  if (originals.length === 0 || stopped.length === 0) return "not reproduced";
  const carried = stopped.filter((r) => {
    const s = twin(r);
    return s !== undefined && s.completedEpochs >= r.nanEpoch!;
  });
  return stopped.length === originals.length && carried.length === stopped.length
    ? "agree"
    : "partly agree";
}

/** "Figure 6 at width w": the runs of a U-Net narrower than the paper's. */
async function smallerWidthSection(
  records: RunRecord[],
  width: number,
  step?: StepRecord,
): Promise<Section> {
  const published = await loadPublished();
  const first = records[0];
  const measured = [
    `a smaller network than the paper's: U-Net width ${width} (the paper's: ${PAPER_PROTOCOL.width}), ${
      first.config.trainSamples ?? MNIST_TRAIN_IMAGES
    } images, batch ${first.config.batchSize}, capped at ${first.config.epochs} epochs (the paper's: 1000)`,
    ...records.map((r) => {
      const p = publishedSegmentationRun(published, r.config);
      return `${r.runId}: ${outcome(r)}; ${logitReach(r)}${
        p ? `; the paper's width-${PAPER_PROTOCOL.width} run ${publishedOutcome(p)}` : ""
      }`;
    }),
    // An original that completed its cap: where its own epochs put the NaN.
    ...records.filter((r) => r.config.stabilization === "none" && !nan(r) && sidesOf(r).length > 0)
      .flatMap((r) => horizonLines([r]).map((line) => `${r.runId}, extrapolated: ${line}`)),
    SMALLER_WIDTH_RULE,
  ];
  return {
    title: `Figure 6 at width ${width}: MNIST segmentation, a smaller U-Net than A.6's`,
    claim: CLAIM +
      ` Tested here on a U-Net of width ${width} instead of ${PAPER_PROTOCOL.width}: ` +
      "does the no-noise original meet a NaN, and does its stabilized twin train on?",
    verdict: smallerWidthVerdict(records),
    measured,
    links: [
      "mnist-segmentation/runs.jsonl",
      "mnist-segmentation/figure6.svg",
      ...(records.some((r) => sidesOf(r).length > 0) ? ["mnist-segmentation/horizon.svg"] : []),
    ],
    step,
    wallSeconds: span(records),
  };
}
