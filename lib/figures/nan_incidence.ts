// The NaN-incidence heatmap's Vega-Lite spec: the fraction of non-finite
// gradients of the sigmoid focal loss, ε × mode (rows of the bench) × backend.
import type { VegaLiteSpec } from "./render_svg.ts";

/** What the heatmap reads of bench/nan_incidence.json. */
export interface NanIncidence {
  backends: {
    backend: string;
    rows: { variant: string; figure2Grid: number; sigmoidSaturatedBatch: number }[];
  }[];
}

/** Heatmap: fraction of non-finite gradients, variant × backend. */
export function nanIncidenceSpec(data: NanIncidence): VegaLiteSpec {
  const rows = data.backends.flatMap((b) =>
    b.rows.flatMap((r) => [
      { backend: b.backend, variant: r.variant, measure: "Figure 2 grid", fraction: r.figure2Grid },
      {
        backend: b.backend,
        variant: r.variant,
        measure: "saturated batch",
        fraction: r.sigmoidSaturatedBatch,
      },
    ])
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Non-finite gradient fraction: sigmoid focal loss, ε × mode × backend",
    data: { values: rows },
    facet: { column: { field: "measure", type: "nominal", title: null } },
    spec: {
      width: 360,
      height: 110,
      encoding: {
        x: {
          field: "variant",
          type: "nominal",
          sort: null,
          title: null,
          axis: { labelAngle: -35 },
        },
        y: { field: "backend", type: "nominal", title: null },
      },
      layer: [
        {
          mark: "rect",
          encoding: {
            color: {
              field: "fraction",
              type: "quantitative",
              scale: { scheme: "reds", domain: [0, 0.3] },
            },
          },
        },
        {
          mark: { type: "text", fontSize: 10 },
          encoding: { text: { field: "fraction", type: "quantitative", format: ".1%" } },
        },
      ],
    },
  };
}
