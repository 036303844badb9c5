// deno task experiment <name> [--profile smoke|default|paper] [--backend auto|webgpu|wasm|cpu]
//                             [--shard i/n] [--workers N] [--out results] [--seed N] [--data-dir DIR]
//                             [--cells FILTER] [--epochs N] [--repeats R]   (--profile: or the experiment's own)
// deno task experiment report [--out results] [--only PART,...]
// deno task experiment merge [--out results] SHARD_DIR...
// deno task experiment analysis [--profile P] [--out results]
// deno task experiment figures [--out results]
import { DEBUG_OPTION, UsageError } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { EXPERIMENTS } from "./registry.ts";
import { planAll, printPlan, runNamed, SELECTION_HELP } from "./_cli.ts";
import { CLI_OPTIONS, parseCli, startBackend } from "./_settings.ts";
import { PROFILE_NAMES } from "./_experiment.ts";

const HELP = `deno task experiment <name> [options]
deno task experiment report [--out DIR] [--only PART,...]   rewrite <out>/REPORT.md from its JSON
deno task experiment merge [--out DIR] SHARD_DIR...        combine shards' records, redraw figures
deno task experiment analysis [--profile P] [--out DIR]    Figures 1 and 2 (no training)
deno task experiment figures [--out DIR]                   redraw every figure from its JSON

experiments:
${
  Object.values(EXPERIMENTS).map((e) => {
    const own = Object.keys(e.profiles).filter((p) => !(PROFILE_NAMES as string[]).includes(p));
    return `  ${e.name.padEnd(24)} ${e.title}${
      own.length ? ` (profiles also ${own.join(", ")})` : ""
    }`;
  }).join("\n")
}

options:
  --profile smoke|default|paper   what to run (default: default); an experiment may have
                                  profiles of its own (below, after its name)
  --backend auto|webgpu|wasm|cpu  auto: webgpu on real GPU hardware, else wasm (default: auto)
  --shard i/n                     run every n-th run of the grid, starting at the i-th (default: 1/1)
  --workers N                     runs trained at once, each in a Web Worker with its own
                                  tfjs (default: one per core on wasm/cpu, 1 on webgpu)
  --out DIR                       results root (default: results)
  --seed N                        seeds data subsets, noise, initialization, order (default: 0)
  --data-dir DIR                  official dataset files, tried first
${SELECTION_HELP}
  --debug                         on failure, print the stack too
  --help                          this text

Runs already in <out>/<name>/runs.jsonl are skipped: rerunning resumes.`;

// The subcommands, which work on what runs wrote.
const SUBCOMMANDS = {
  report: async (args: string[]) => (await import("./report.ts")).reportCommand(args),
  merge: async (args: string[]) => (await import("./merge.ts")).mergeCommand(args),
  analysis: async (args: string[]) => (await import("./analysis/command.ts")).analysisCommand(args),
  figures: async (args: string[]) => (await import("./figures.ts")).figuresCommand(args),
};
const sub = Deno.args[0];
if (sub in SUBCOMMANDS) {
  await SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS](Deno.args.slice(1));
  Deno.exit(0);
}

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    ...CLI_OPTIONS,
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help || positionals.length === 0) {
  console.log(HELP);
  Deno.exit(values.help ? 0 : 2);
}
const [name] = positionals;
if (!(name in EXPERIMENTS)) {
  throw new UsageError(
    `unknown experiment "${name}": the experiments are ${Object.keys(EXPERIMENTS).join(", ")}`,
  );
}
const experiment = EXPERIMENTS[name as keyof typeof EXPERIMENTS];
// --profile: the three every experiment has, or one of this experiment's own.
const settings = await startBackend(parseCli(values, Object.keys(experiment.profiles)));
if (values.plan) {
  printPlan(await planAll([experiment], settings), true);
  Deno.exit(0);
}
const outcome = await runNamed(experiment, settings);
if (outcome.skipped !== null) console.log(`${name} skipped: ${outcome.skipped}`);
