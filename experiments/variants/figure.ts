// The variants experiment's figure: one bar per run, the optimizer steps it
// trained, by arm, with a cross where it met a NaN; one panel per loss.
import type { RunRecord } from "../../lib/results/run_records.ts";
import { type VegaLiteSpec, writeSvg } from "../../lib/figures/render_svg.ts";
import { MNIST_TRAIN_IMAGES } from "../_sections.ts";

/** Optimizer steps a run took: its completed epochs', plus the NaN step. */
export function stepsTrained(r: RunRecord): number {
  const perEpoch = Math.ceil((r.config.trainSamples ?? MNIST_TRAIN_IMAGES) / r.config.batchSize);
  return r.completedEpochs * perEpoch + (r.nanStep ?? 0);
}

/** How the figure and the report name a run's arm. */
export function armOf(r: RunRecord): string {
  return r.config.clip !== undefined
    ? "original + authors' clipping"
    : r.config.authors === true
    ? "authors' code (log space)"
    : r.config.stabilization === "exact"
    ? "exact"
    : "original";
}

/** The cell a run belongs to, without its arm. */
export function cellLabel(r: RunRecord): string {
  return r.config.loss === "unified"
    ? `γ ${r.config.gamma}`
    : r.config.loss === "adaptive"
    ? "γ per batch"
    : `t${r.config.threshold} β ${r.config.gamma} ${r.config.targets}`;
}

/** The figure's Vega-Lite spec. */
export function variantsSpec(records: RunRecord[]): VegaLiteSpec {
  const rows = records.map((r) => ({
    panel: r.config.loss === "unified"
      ? `Unified Focal Loss, U-Net width ${r.config.width} (segmentation)`
      : r.config.loss === "adaptive"
      ? `Adaptive Focal Loss, U-Net width ${r.config.width} (segmentation)`
      : "Quality Focal Loss, CNN (classification)",
    cell: cellLabel(r),
    arm: armOf(r),
    steps: stepsTrained(r),
    nan: r.status === "nan" ? stepsTrained(r) : null,
  }));
  const panel = (name: string) => ({
    title: { text: name, anchor: "start", fontSize: 12 },
    data: { values: rows.filter((r) => r.panel === name) },
    width: 420,
    encoding: {
      y: { field: "cell", type: "nominal", title: null },
      yOffset: { field: "arm", type: "nominal" },
    },
    layer: [
      {
        mark: "bar",
        encoding: {
          x: { field: "steps", type: "quantitative", title: "optimizer steps trained" },
          color: { field: "arm", type: "nominal", title: null, legend: { labelLimit: 320 } },
        },
      },
      {
        // Runs without a NaN have nan null, which Vega-Lite leaves out.
        mark: { type: "point", shape: "cross", size: 80, filled: true, color: "black" },
        encoding: { x: { field: "nan", type: "quantitative" } },
      },
    ],
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "The variants (not in the paper): steps each run trained; × = NaN",
    vconcat: [...new Set(rows.map((r) => r.panel))].map(panel),
  };
}

/** Writes the figure to `path`. */
export async function renderVariantsFigure(records: RunRecord[], path: string): Promise<void> {
  await writeSvg(path, variantsSpec(records));
}
