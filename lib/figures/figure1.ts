// Figure 1's Vega-Lite spec: the focal loss and dL/dp over p in float64, one
// line per γ, with the points where Eq. (8), (9) say the gradient is undefined.
import type { Figure1Data } from "../analysis/figure1_curves.ts";
import type { VegaLiteSpec } from "./render_svg.ts";

/** Figure 1: four panels of loss and dL/dp over p, one line per γ. */
export function figure1Spec(data: Figure1Data): VegaLiteSpec {
  const rows = data.series.flatMap((s) =>
    data.p.flatMap((p, i) => [
      { p, gamma: String(s.gamma), panel: "(a) L_fg, Eq. (2)", value: s.foregroundLoss[i] },
      { p, gamma: String(s.gamma), panel: "(b) L_bg, Eq. (2)", value: s.backgroundLoss[i] },
      { p, gamma: String(s.gamma), panel: "(c) dL_fg/dp, Eq. (4)", value: s.foregroundGradient[i] },
      { p, gamma: String(s.gamma), panel: "(d) dL_bg/dp, Eq. (5)", value: s.backgroundGradient[i] },
    ])
  ).filter((r) => r.value !== null && Math.abs(r.value) <= 10);
  const undefinedPoints = data.series.flatMap((s) => [
    ...s.undefinedForeground.map((p) => ({
      p,
      gamma: String(s.gamma),
      panel: "(c) dL_fg/dp, Eq. (4)",
      value: 0,
    })),
    ...s.undefinedBackground.map((p) => ({
      p,
      gamma: String(s.gamma),
      panel: "(d) dL_bg/dp, Eq. (5)",
      value: 0,
    })),
  ]);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title:
      `Figure 1: focal loss and dL/dp, alpha_t = ${data.alphaT} (orange: undefined, Eq. (8), (9))`,
    data: {
      values: [
        ...rows.map((r) => ({ ...r, kind: "curve" })),
        ...undefinedPoints.map((r) => ({ ...r, kind: "undefined" })),
      ],
    },
    facet: { field: "panel", type: "nominal", columns: 2, title: null },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 260,
      height: 180,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'curve'" }],
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x: { field: "p", type: "quantitative" },
            y: { field: "value", type: "quantitative", title: null },
            color: { field: "gamma", type: "nominal", title: "γ" },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'undefined'" }],
          mark: { type: "point", shape: "circle", size: 60, filled: true, color: "orange" },
          encoding: {
            x: { field: "p", type: "quantitative" },
            y: { field: "value", type: "quantitative" },
          },
        },
      ],
    },
  };
}
