// deno task experiment merge --out results SHARD_DIR... : combines the runs.jsonl of
// shards (each SHARD_DIR/<experiment>/runs.jsonl) into <out>/<experiment>/,
// exactly as one machine would have written them, and redraws the figures.
import { DEBUG_OPTION, UsageError } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { mergeRecords, readRecords, type RunRecord } from "../lib/results/run_records.ts";
import { EXPERIMENTS } from "./registry.ts";

/** `deno task experiment merge --out results SHARD_DIR...`: combines shards. */
export async function mergeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: args,
    allowPositionals: true,
    options: {
      out: { type: "string", default: "results" },
      ...DEBUG_OPTION,
      help: { type: "boolean" },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log("deno task experiment merge [--out results] [--debug] SHARD_DIR...");
    Deno.exit(values.help ? 0 : 2);
  }
  const experiments = new Set<string>();
  for (const dir of positionals) {
    if (!(await Deno.stat(dir).then((s) => s.isDirectory, () => false))) {
      throw new UsageError(`${dir}: no such folder; give the shards' --out folders`);
    }
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.isDirectory) experiments.add(entry.name);
    }
  }
  for (const experiment of experiments) {
    const shards: RunRecord[][] = [];
    for (const dir of positionals) {
      shards.push(await readRecords(`${dir}/${experiment}/runs.jsonl`));
    }
    const merged = mergeRecords(shards);
    if (merged.length === 0) continue;
    const target = `${values.out}/${experiment}`;
    await Deno.mkdir(target, { recursive: true });
    await Deno.writeTextFile(
      `${target}/runs.jsonl`,
      merged.map((r) => JSON.stringify(r) + "\n").join(""),
    );
    await EXPERIMENTS[experiment as keyof typeof EXPERIMENTS]?.figures(merged, target);
    console.log(
      `${experiment}: ${merged.length} runs from ${positionals.length} shards -> ${target}/runs.jsonl`,
    );
  }
}
