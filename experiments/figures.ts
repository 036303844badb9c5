// deno task experiment figures [--out results]: redraws every figure under
// <out>/figures and <out>/<experiment>/ from the JSON there (the analysis,
// the bench's NaN incidence, each experiment's records), after an edit to a
// figure's spec, say.
import { DEBUG_OPTION } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { mergeRecords, readRecords } from "../lib/results/run_records.ts";
import { analysisFigures } from "./analysis/figures.ts";
import { benchFigures } from "./bench_report.ts";
import { EXPERIMENTS } from "./registry.ts";

/** `deno task experiment figures [--out results]`. */
export async function figuresCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string", default: "results" },
      ...DEBUG_OPTION,
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("deno task experiment figures [--out results] [--debug]");
    Deno.exit(0);
  }
  const root = values.out;
  const paths = [...await analysisFigures(root)];
  const incidence = await benchFigures(root);
  if (incidence !== null) paths.push(incidence);
  for (const experiment of Object.values(EXPERIMENTS)) {
    // In grid order, as the runner and a merge hand them over.
    const records = mergeRecords([await readRecords(`${root}/${experiment.name}/runs.jsonl`)]);
    if (records.length > 0) {
      paths.push(...await experiment.figures(records, `${root}/${experiment.name}`));
    }
  }
  console.log(paths.length === 0 ? `no figure data under ${root}` : paths.join("\n"));
}
