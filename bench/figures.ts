// deno task figures [--in results] : renders results/figures/*.svg from the
// JSON under results/analysis and results/bench.
import { DEBUG_OPTION } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { writeSvg } from "../lib/figures/render_svg.ts";
import type { Figure1Data, Figure2Data } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    in: { type: "string", default: "results" },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("deno task figures [--in results] [--debug]");
  Deno.exit(0);
}
const root = values.in;
const read = async <T>(path: string): Promise<T | null> => {
  try {
    return JSON.parse(await Deno.readTextFile(`${root}/${path}`)) as T;
  } catch {
    return null;
  }
};

/** Figure 1: four panels of loss and dL/dp over p, one line per γ. */
async function figure1(data: Figure1Data): Promise<void> {
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
  await writeSvg(`${root}/figures/figure1.svg`, {
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
  });
}

/** Figure 2 on one backend: loss and autograd gradient over x, per mode. */
async function figure2(data: Figure2Data): Promise<void> {
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
  await writeSvg(`${root}/figures/figure2_${data.backend}.svg`, {
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
  });
}

interface Incidence {
  backends: {
    backend: string;
    rows: { variant: string; figure2Grid: number; sigmoidSaturatedBatch: number }[];
  }[];
}

/** Heatmap: fraction of non-finite gradients, variant × backend. */
async function nanHeatmap(data: Incidence): Promise<void> {
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
  await writeSvg(`${root}/figures/nan_incidence.svg`, {
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
  });
}

const f1 = await read<Figure1Data>("analysis/figure1.json");
if (f1) await figure1(f1);
for (const backend of ["cpu", "wasm", "webgpu"]) {
  const f2 = await read<Figure2Data>(`analysis/figure2_${backend}.json`);
  if (f2) await figure2(f2);
}
const incidence = await read<Incidence>("bench/nan_incidence.json");
if (incidence) await nanHeatmap(incidence);
console.log(`figures written to ${root}/figures/`);
