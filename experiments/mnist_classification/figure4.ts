// Figure 4 from runs.jsonl, beside the paper's own: completed epochs per
// γ × class A/B ratio, in panels stable γ (original loss) | unstable γ,
// original | unstable γ, stabilized, one row per noise level, the paper's
// published cells (experiments/reference/) left of ours. Both sides are
// capped at the runs' epoch cap and share one color scale; cells we did not
// run are blank on our side; a cross marks a run that stopped at a NaN.
import { writeSvg } from "../../lib/figures/render_svg.ts";
import { epochsHeatmapSpec } from "../../lib/figures/epochs_heatmap.ts";
import type { RunRecord } from "../../lib/results/run_records.ts";
import { loadPublished } from "../_published.ts";
import { median } from "../_statistics.ts";
import { cellOf, TABLE1_RATIOS } from "./report.ts";

const panelOf = (gamma: number, loss: "original" | "stabilized") =>
  gamma === 0 || gamma >= 1
    ? "(1) stable γ, original"
    : loss === "original"
    ? "(2) 0 < γ < 1, original"
    : "(3) 0 < γ < 1, stabilized";

/**
 * Renders Figure 4 as SVG from the records (any subset of the grid) beside
 * the paper's. A cell run over several seeds shows their median, and how
 * many of them stopped at a NaN ("3/5×").
 */
export async function renderFigure4(records: RunRecord[], path: string): Promise<void> {
  const cap = Math.max(...records.map((r) => Number(r.config.epochs)));
  const noises = new Set(records.map((r) => r.config.noise));
  const byCell = new Map<string, RunRecord[]>();
  for (const r of records) byCell.set(cellOf(r.runId), [...(byCell.get(cellOf(r.runId)) ?? []), r]);
  const seeds = Math.max(...[...byCell.values()].map((runs) => runs.length));
  const ours = [...byCell.values()].map((runs) => {
    const r = runs[0];
    const stopped = runs.filter((x) => x.status === "nan").length;
    return {
      column: `${
        panelOf(r.config.gamma, r.config.stabilization === "none" ? "original" : "stabilized")
      } · ours`,
      noise: `noise: ${r.config.noise}`,
      ratio: String(TABLE1_RATIOS[r.config.threshold as number]),
      gamma: String(r.config.gamma),
      epochs: median(runs.map((x) => x.completedEpochs)),
      nan: stopped === 0 ? "" : runs.length === 1 ? "×" : `${stopped}/${runs.length}×`,
    };
  });
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
  await writeSvg(
    path,
    epochsHeatmapSpec([...blanks, ...published, ...ours], {
      title: `Figure 4: completed epochs, capped at ${cap} (the paper's runs: of 100), MNIST ` +
        "binary CNN; the paper's published cells beside ours" +
        (seeds > 1 ? ` (the median of ${seeds} seeds; k/${seeds}× = k stopped at a NaN)` : "") +
        "; × = stopped at a NaN within the cap",
      cap,
      columns,
      rows: ["noise: none", "noise: medium", "noise: high"],
      ratios: TABLE1_RATIOS.map(String),
    }),
  );
}
