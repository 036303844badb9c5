// Figure 2 with precision as a dimension, as a Vega-Lite heatmap: for each
// loss, the share of Figure 2's grid (0 < γ < 1, both targets) where the
// gradient is not finite, per mode (ε) and per implementation × backend ×
// precision, with the logit where the NaN region starts (the smallest |x|).
import type { VegaLiteSpec } from "./render_svg.ts";

/** What the figure reads of a row of analysis/figure2_precision.json. */
export interface PrecisionFigureRow {
  loss: string;
  implementation: string;
  precision: string;
  backend: string;
  mode: string;
  epsilon: number;
  gamma: number;
  nonFiniteShare: number;
  nonFiniteBelow: number | null;
  nonFiniteAbove: number | null;
}

/**
 * Where a row was computed, as the figure, the report and the bench summary
 * name it: "ours · webgl · float16", "torchvision · PyTorch-emulated · bfloat16".
 */
export function precisionSource(r: PrecisionFigureRow): string {
  return r.implementation === "torchvision"
    ? `torchvision · PyTorch-emulated · ${r.precision}`
    : `ours · ${r.backend} · ${r.precision}`;
}

/** The heatmap's cells: one per loss × source × variant. */
export function precisionCells(rows: PrecisionFigureRow[]): {
  loss: string;
  source: string;
  variant: string;
  share: number;
  onset: number | null;
}[] {
  const cells = new Map<string, { n: number; sum: number; onset: number | null }>();
  const keyOf = (r: PrecisionFigureRow) => {
    const variant = r.mode === "epsilon" ? `ε = ${r.epsilon}` : r.mode;
    return [r.loss, precisionSource(r), variant].join("|");
  };
  for (const r of rows) {
    if (!(r.gamma > 0 && r.gamma < 1)) continue;
    const key = keyOf(r);
    const c = cells.get(key) ?? { n: 0, sum: 0, onset: null };
    c.n++;
    c.sum += r.nonFiniteShare;
    for (const edge of [r.nonFiniteBelow, r.nonFiniteAbove]) {
      if (edge !== null && (c.onset === null || Math.abs(edge) < c.onset)) c.onset = Math.abs(edge);
    }
    cells.set(key, c);
  }
  return [...cells].map(([key, c]) => {
    const [loss, source, variant] = key.split("|");
    return { loss, source, variant, share: c.sum / c.n, onset: c.onset };
  });
}

/** Heatmap: non-finite share and onset |x|, variant × source, one panel per loss. */
export function figure2PrecisionSpec(rows: PrecisionFigureRow[]): VegaLiteSpec {
  const values = precisionCells(rows).map((c) => ({
    ...c,
    label: c.share === 0 ? "0" : `${(100 * c.share).toFixed(0)}% · |x|≥${c.onset}`,
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title:
      "Non-finite gradients on Figure 2's grid (0 < γ < 1) by precision: share · where they start",
    data: { values },
    facet: { row: { field: "loss", type: "nominal", title: null } },
    spec: {
      width: 520,
      height: 160,
      encoding: {
        x: {
          field: "variant",
          type: "nominal",
          sort: null,
          title: null,
          axis: { orient: "top", labelAngle: 0 },
        },
        y: { field: "source", type: "nominal", title: null, axis: { labelLimit: 320 } },
      },
      layer: [
        {
          mark: "rect",
          encoding: {
            color: {
              field: "share",
              type: "quantitative",
              scale: { scheme: "reds", domain: [0, 0.5] },
              title: "non-finite",
            },
          },
        },
        { mark: { type: "text", fontSize: 9 }, encoding: { text: { field: "label" } } },
      ],
    },
  };
}
