// deno task experiment analysis [--profile paper|default|smoke] [--out results]:
// Figures 1 and 2 (experiments/analysis/analysis.ts) alone.
import { DEBUG_OPTION, UsageError } from "../../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { PROFILE_NAMES, type ProfileName } from "../_experiment.ts";
import { runAnalysis } from "./analysis.ts";
import { PROFILES } from "./profiles.ts";

/** `deno task experiment analysis [--profile P] [--out DIR]`. */
export async function analysisCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      profile: { type: "string", default: "default" },
      out: { type: "string", default: "results" },
      ...DEBUG_OPTION,
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      `deno task experiment analysis [--profile ${
        PROFILE_NAMES.join("|")
      }] [--out results] [--debug]`,
    );
    Deno.exit(0);
  }
  if (!(PROFILE_NAMES as readonly string[]).includes(values.profile)) {
    throw new UsageError(
      `--profile must be one of ${PROFILE_NAMES.join(", ")}: received ${values.profile}`,
    );
  }
  const paths = await runAnalysis(values.out, PROFILES[values.profile as ProfileName]);
  console.log(paths.join("\n"));
}
