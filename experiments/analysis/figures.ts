// Figures 1 and 2 and the precision grid's figure, drawn from the JSON the
// analysis wrote under <root>/analysis into <root>/figures.
import { writeSvg } from "../../lib/figures/render_svg.ts";
import { figure1Spec } from "../../lib/figures/figure1.ts";
import { figure2Spec } from "../../lib/figures/figure2.ts";
import {
  figure2PrecisionSpec,
  type PrecisionFigureRow,
} from "../../lib/figures/figure2_precision.ts";
import type { Figure1Data, Figure2Data } from "../../analysis.ts";
import { readJson } from "../_sections.ts";

/** Draws the figures whose JSON `root` holds; returns their paths. */
export async function analysisFigures(root: string): Promise<string[]> {
  const paths: string[] = [];
  const draw = async (name: string, spec: Record<string, unknown>) => {
    await writeSvg(`${root}/figures/${name}`, spec);
    paths.push(`${root}/figures/${name}`);
  };
  const f1 = await readJson(`${root}/analysis/figure1.json`) as Figure1Data | null;
  if (f1) await draw("figure1.svg", figure1Spec(f1));
  for (const backend of ["cpu", "wasm", "webgpu"]) {
    const f2 = await readJson(`${root}/analysis/figure2_${backend}.json`) as Figure2Data | null;
    if (f2) await draw(`figure2_${backend}.svg`, figure2Spec(f2));
  }
  const precision = await readJson(`${root}/analysis/figure2_precision.json`) as
    | { rows: PrecisionFigureRow[] }
    | null;
  if (precision) await draw("figure2_precision.svg", figure2PrecisionSpec(precision.rows));
  return paths;
}
