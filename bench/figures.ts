// deno task bench figures [--in results] : renders results/figures/*.svg from the
// JSON under results/analysis and results/bench.
import { DEBUG_OPTION } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { writeSvg } from "../lib/figures/render_svg.ts";
import { figure1Spec } from "../lib/figures/figure1.ts";
import { figure2Spec } from "../lib/figures/figure2.ts";
import { type NanIncidence, nanIncidenceSpec } from "../lib/figures/nan_incidence.ts";
import { figure2PrecisionSpec, type PrecisionFigureRow } from "../lib/figures/figure2_precision.ts";
import type { Figure1Data, Figure2Data } from "../analysis.ts";

/** `deno task bench figures [--in results]`: redraws the figures from their JSON. */
export async function figuresCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args: args,
    options: {
      in: { type: "string", default: "results" },
      ...DEBUG_OPTION,
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("deno task bench figures [--in results] [--debug]");
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

  const f1 = await read<Figure1Data>("analysis/figure1.json");
  if (f1) await writeSvg(`${root}/figures/figure1.svg`, figure1Spec(f1));
  for (const backend of ["cpu", "wasm", "webgpu"]) {
    const f2 = await read<Figure2Data>(`analysis/figure2_${backend}.json`);
    if (f2) await writeSvg(`${root}/figures/figure2_${backend}.svg`, figure2Spec(f2));
  }
  const precision = await read<{ rows: PrecisionFigureRow[] }>("analysis/figure2_precision.json");
  if (precision) {
    await writeSvg(`${root}/figures/figure2_precision.svg`, figure2PrecisionSpec(precision.rows));
  }
  const incidence = await read<NanIncidence>("bench/nan_incidence.json");
  if (incidence) await writeSvg(`${root}/figures/nan_incidence.svg`, nanIncidenceSpec(incidence));
  console.log(`figures written to ${root}/figures/`);
}
