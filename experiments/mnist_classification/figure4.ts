// Figure 4 from runs.jsonl, beside the paper's own: completed epochs per
// γ × class A/B ratio, in panels stable γ (original loss) | unstable γ,
// original | unstable γ, stabilized, one row per noise level, the paper's
// published cells (experiments/reference/) left of ours. Both sides are
// capped at the runs' epoch cap and share one color scale; cells we did not
// run are blank on our side; a cross marks a run that stopped at a NaN.
import { writeSvg } from "../../lib/figures/render_svg.ts";
import type { RunRecord } from "../../lib/results/run_records.ts";
import { loadPublished } from "../_published.ts";
import { TABLE1_RATIOS } from "./report.ts";

const panelOf = (gamma: number, loss: "original" | "stabilized") =>
  gamma === 0 || gamma >= 1
    ? "(1) stable γ, original"
    : loss === "original"
    ? "(2) 0 < γ < 1, original"
    : "(3) 0 < γ < 1, stabilized";

/** Renders Figure 4 as SVG from the records (any subset of the grid) beside the paper's. */
export async function renderFigure4(records: RunRecord[], path: string): Promise<void> {
  const cap = Math.max(...records.map((r) => Number(r.config.epochs)));
  const noises = new Set(records.map((r) => r.config.noise));
  const ours = records.map((r) => ({
    column: `${
      panelOf(r.config.gamma, r.config.stabilization === "none" ? "original" : "stabilized")
    } · ours`,
    noise: `noise: ${r.config.noise}`,
    ratio: String(TABLE1_RATIOS[r.config.threshold as number]),
    gamma: String(r.config.gamma),
    epochs: r.completedEpochs,
    nan: r.status === "nan" ? "×" : "",
  }));
  const cells = (await loadPublished()).mnistClassification.filter((p) =>
    noises.has(p.noise!) && !(p.loss === "stabilized" && !(p.gamma! > 0 && p.gamma! < 1))
  );
  // Every paper cell also stands on our side, drawn transparent (epochs −1),
  // so both sides have the same rows and columns and what we did not run is blank.
  const blanks = cells.map((p) => ({
    column: `${panelOf(p.gamma!, p.loss)} · ours`,
    noise: `noise: ${p.noise}`,
    ratio: String(TABLE1_RATIOS[p.threshold!]),
    gamma: String(p.gamma),
    epochs: -1,
    nan: "",
  }));
  const published = cells.map((p) => ({
    column: `${panelOf(p.gamma!, p.loss)} · paper`,
    noise: `noise: ${p.noise}`,
    ratio: String(TABLE1_RATIOS[p.threshold!]),
    gamma: String(p.gamma),
    epochs: Math.min(p.completedEpochs, cap),
    nan: p.completedEpochs < cap ? "×" : "",
  }));
  const columns = [1, 2, 3].flatMap((k) =>
    ["paper", "ours"].map((side) =>
      `${panelOf(k === 1 ? 0 : 0.5, k === 3 ? "stabilized" : "original")} · ${side}`
    )
  );
  await writeSvg(path, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `Figure 4: completed epochs, capped at ${cap} (the paper's runs: of 100), MNIST ` +
      "binary CNN; the paper's published cells beside ours; × = stopped at a NaN within the cap",
    data: { values: [...blanks, ...published, ...ours] },
    facet: {
      row: {
        field: "noise",
        type: "nominal",
        title: null,
        sort: ["noise: none", "noise: medium", "noise: high"],
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
          sort: TABLE1_RATIOS.map(String),
          scale: { domain: TABLE1_RATIOS.map(String) },
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
  });
}
