// The horizon's figure: per width, the magnitude of the most negative
// background logit and of the most positive foreground logit at the end of
// each epoch, against the steps (log-log), with float32's saturating logit.
import type { RunRecord } from "../../lib/results/run_records.ts";
import { type VegaLiteSpec, writeSvg } from "../../lib/figures/render_svg.ts";
import { FLOAT32_SATURATING_LOGIT } from "../../lib/precision/float_limits.ts";
import { runStepsPerEpoch, sidesOf } from "./report.ts";

/** Options of {@linkcode horizonSpec}: the line a run draws, and the title's subject. */
export interface HorizonFigureOptions {
  line?: (r: RunRecord) => string;
  subject?: string;
}

/** The figure's spec from the runs' saturation metrics. */
export function horizonSpec(
  records: RunRecord[],
  {
    line = (r) => `width ${r.config.width}`,
    subject = "U-Net widths: the extreme logits per epoch (no noise, original)",
  }: HorizonFigureOptions = {},
): VegaLiteSpec {
  const values = records.flatMap((r) =>
    sidesOf(r).flatMap(({ side, magnitudes }) =>
      magnitudes.map((y, e) => ({
        width: line(r),
        side,
        step: (e + 1) * runStepsPerEpoch(r),
        magnitude: y,
      })).filter((p) => p.magnitude > 0)
    )
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `${subject}; ${FLOAT32_SATURATING_LOGIT.toFixed(2)} = float32's saturation`,
    width: 420,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "step", type: "quantitative", scale: { type: "log" }, title: "steps" },
          y: {
            field: "magnitude",
            type: "quantitative",
            scale: { type: "log" },
            title: "|background min logit|, foreground max logit",
          },
          color: { field: "width", type: "nominal" },
          strokeDash: { field: "side", type: "nominal" },
        },
      },
      {
        data: { values: [{ y: FLOAT32_SATURATING_LOGIT }] },
        mark: { type: "rule", color: "red" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  };
}

/** Draws `<dir>/horizon.svg`; returns its path. */
export async function renderHorizon(
  records: RunRecord[],
  dir: string,
  options?: HorizonFigureOptions,
): Promise<string> {
  const path = `${dir}/horizon.svg`;
  await writeSvg(path, horizonSpec(records, options));
  return path;
}
