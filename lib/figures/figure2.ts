// Figure 2's Vega-Lite spec on one backend: the loss and its autograd
// gradient over the logit, per mode and γ, with NaN/Inf marked.
import type { Figure2Data } from "../analysis/figure2_sweep.ts";
import type { VegaLiteSpec } from "./render_svg.ts";

/** Figure 2 on one backend: loss and autograd gradient over x, per mode. */
export function figure2Spec(data: Figure2Data): VegaLiteSpec {
  const rows = data.series.flatMap((s) =>
    data.logits.flatMap((x, i) => {
      const part = s.target === 1 ? "foreground (t = 1)" : "background (t = 0)";
      const base = { x, gamma: String(s.gamma), mode: s.mode };
      return [
        { ...base, panel: `loss, ${part}`, value: s.loss[i], bad: s.loss[i] === null },
        { ...base, panel: `gradient, ${part}`, value: s.gradient[i], bad: s.gradient[i] === null },
      ];
    })
  ).map((r) => ({ ...r, value: r.value ?? 0 }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title:
      `Figure 2 on tfjs-${data.backend}: loss and gradient vs logit, alpha = ${data.alpha} (red: NaN/Inf)`,
    data: { values: rows },
    facet: {
      row: { field: "mode", type: "nominal", title: null },
      column: { field: "panel", type: "nominal", title: null },
    },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 170,
      height: 110,
      layer: [
        {
          transform: [{ filter: "!datum.bad" }],
          mark: { type: "line", strokeWidth: 1.2 },
          encoding: {
            x: { field: "x", type: "quantitative", title: "logit x" },
            y: { field: "value", type: "quantitative", title: null },
            color: { field: "gamma", type: "nominal", title: "γ" },
          },
        },
        {
          transform: [{ filter: "datum.bad" }],
          mark: { type: "point", shape: "cross", size: 12, color: "red" },
          encoding: {
            x: { field: "x", type: "quantitative" },
            y: { field: "value", type: "quantitative" },
          },
        },
      ],
    },
  };
}
