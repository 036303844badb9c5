// Figure 4 from runs.jsonl: completed epochs per γ × class A/B ratio, in
// panels stable γ (original loss) | unstable γ, original | unstable γ,
// stabilized, one row per noise level; a cross marks runs that met a NaN.
import { writeSvg } from "../../lib/figures/render_svg.ts";
import type { RunRecord } from "../../lib/results/run_records.ts";

/** Table 1's class A/B ratio of a threshold. */
const RATIOS = [0.11, 0.27, 0.45, 0.70, 1.04, 1.50, 2.32, 4.08, 9.09];

/** Renders Figure 4 as SVG from the records (any subset of the grid). */
export async function renderFigure4(records: RunRecord[], path: string): Promise<void> {
  const rows = records.map((r) => {
    const gamma = r.config.gamma;
    const stable = gamma === 0 || gamma >= 1;
    const panel = stable
      ? "(1) stable γ, original"
      : r.config.stabilization === "none"
      ? "(2) 0 < γ < 1, original"
      : "(3) 0 < γ < 1, stabilized (ε = 1e-3)";
    return {
      panel,
      noise: `noise: ${r.config.noise}`,
      ratio: String(RATIOS[r.config.threshold as number]),
      gamma: String(gamma),
      epochs: r.completedEpochs,
      nan: r.status === "nan" ? "×" : "",
    };
  });
  await writeSvg(path, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `Figure 4: completed epochs (of ${
      Math.max(...records.map((r) => Number(r.config.epochs)))
    }), MNIST binary CNN; × = stopped at NaN`,
    data: { values: rows },
    facet: {
      row: {
        field: "noise",
        type: "nominal",
        title: null,
        sort: ["noise: none", "noise: medium", "noise: high"],
      },
      column: { field: "panel", type: "nominal", title: null },
    },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 230,
      height: 150,
      encoding: {
        x: { field: "ratio", type: "ordinal", title: "class A/B ratio", sort: RATIOS.map(String) },
        y: { field: "gamma", type: "ordinal", title: "γ", sort: "descending" },
      },
      layer: [
        {
          mark: "rect",
          encoding: {
            color: {
              field: "epochs",
              type: "quantitative",
              scale: { scheme: "viridis" },
              title: "epochs",
            },
          },
        },
        {
          mark: { type: "text", fontSize: 11, color: "white" },
          encoding: { text: { field: "nan", type: "nominal" } },
        },
      ],
    },
  });
}
