// The Vega-Lite spec of an epochs heatmap (Figure 4): completed epochs per
// class ratio × γ, one panel column per loss and side (the paper's, ours),
// one row per noise level, one color scale capped at the runs' cap, a cross
// on a cell that stopped at a NaN, and transparent cells (epochs < 0) where
// nothing was run.
import type { VegaLiteSpec } from "./render_svg.ts";

/** One cell of the heatmap. */
export interface HeatmapCell {
  /** The panel column (loss and side). */
  column: string;
  /** The panel row (noise level). */
  noise: string;
  /** The class A/B ratio, as its label. */
  ratio: string;
  gamma: string;
  /** Completed epochs; negative draws the cell transparent. */
  epochs: number;
  /** "×" for a run that stopped at a NaN, else "". */
  nan: string;
}

/** Options of {@linkcode epochsHeatmapSpec}. */
export interface HeatmapOptions {
  title: string;
  /** The color scale's top: the runs' epoch cap. */
  cap: number;
  /** Panel columns and rows, in order. */
  columns: string[];
  rows: string[];
  /** Ratio labels, in order along the x axis. */
  ratios: string[];
}

/** The heatmap of `cells`. */
export function epochsHeatmapSpec(
  cells: HeatmapCell[],
  { title, cap, columns, rows, ratios }: HeatmapOptions,
): VegaLiteSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values: cells },
    facet: {
      row: {
        field: "noise",
        type: "nominal",
        title: null,
        sort: rows,
      },
      column: { field: "column", type: "nominal", title: null, sort: columns },
    },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 160,
      height: 130,
      encoding: {
        x: {
          field: "ratio",
          type: "ordinal",
          title: "class A/B ratio",
          sort: ratios,
          scale: { domain: ratios },
        },
        y: { field: "gamma", type: "ordinal", title: "γ", sort: "descending" },
      },
      layer: [
        {
          mark: "rect",
          encoding: {
            color: {
              field: "epochs",
              type: "quantitative",
              scale: { scheme: "viridis", domain: [0, cap], clamp: true },
              title: "epochs",
            },
            opacity: { condition: { test: "datum.epochs < 0", value: 0 }, value: 1 },
          },
        },
        {
          mark: { type: "text", fontSize: 10, color: "white" },
          encoding: { text: { field: "nan", type: "nominal" } },
        },
      ],
    },
  };
}
