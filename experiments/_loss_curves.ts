// Figures 5 and 6: per-epoch training loss of each run, original and
// stabilized side by side, with a cross at the epoch where a run met a NaN.
import { writeSvg } from "../lib/figures/render_svg.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

/** Options of {@linkcode renderLossCurves}. */
export interface LossCurvesOptions {
  title: string;
  /** The line a record belongs to within its panel (e.g. its noise level or model). */
  series: (record: RunRecord) => string;
}

const PANELS = { none: "(a) original focal loss", epsilon: "(b) stabilized, Eq. (11)" };

/** Renders the loss curves of `records` as SVG at `path`. */
export async function renderLossCurves(
  records: RunRecord[],
  path: string,
  { title, series }: LossCurvesOptions,
): Promise<void> {
  const panel = (r: RunRecord) => PANELS[r.config.stabilization as keyof typeof PANELS] ?? "exact";
  const lines = records.flatMap((r) =>
    r.epochLosses.map((loss, i) => ({
      panel: panel(r),
      series: series(r),
      epoch: i + 1,
      loss,
    }))
  );
  // The cross sits at the NaN epoch, at the last finite loss (or the first
  // epoch's start when the run never finished an epoch).
  const crosses = records.filter((r) => r.status === "nan").map((r) => ({
    panel: panel(r),
    series: series(r),
    epoch: r.nanEpoch,
    loss: r.epochLosses.at(-1) ?? null,
  }));
  await writeSvg(path, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    facet: { column: { field: "panel", type: "nominal", title: null } },
    data: {
      values: [
        ...lines.map((l) => ({ ...l, kind: "loss" })),
        ...crosses.map((c) => ({ ...c, kind: "nan" })),
      ],
    },
    spec: {
      width: 300,
      height: 220,
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch" },
        y: { field: "loss", type: "quantitative", title: "training loss", scale: { type: "log" } },
        color: { field: "series", type: "nominal", title: null },
      },
      layer: [
        { transform: [{ filter: "datum.kind === 'loss'" }], mark: { type: "line", point: false } },
        {
          transform: [{ filter: "datum.kind === 'nan' && datum.loss !== null" }],
          mark: { type: "point", shape: "cross", size: 120, filled: true },
        },
      ],
    },
  });
}
