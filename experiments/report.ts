// deno task experiment report [--out results] [--only PART,...]: rewrites <out>/REPORT.md
// from the JSON in <out> — after `deno task experiment merge` has combined shards, for
// instance; --only limits it to some parts (analysis, an experiment, bench).
import { DEBUG_OPTION, UsageError } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { provenance } from "../lib/results/provenance.ts";
import { readRecords } from "../lib/results/run_records.ts";
import { type Manifest, REPORT_PARTS, writeReport } from "./_report.ts";
import { EXPERIMENTS } from "./registry.ts";

/** `deno task experiment report [--out results] [--only PART,...]`: rewrites <out>/REPORT.md. */
export async function reportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args: args,
    options: {
      out: { type: "string", default: "results" },
      only: { type: "string" },
      ...DEBUG_OPTION,
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(
      `deno task experiment report [--out results] [--only ${REPORT_PARTS.join(",")}] [--debug]`,
    );
    Deno.exit(0);
  }
  const only = (values.only?.split(",") ?? REPORT_PARTS) as (typeof REPORT_PARTS)[number][];
  const unknown = only.filter((p) => !(REPORT_PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new UsageError(`--only takes ${REPORT_PARTS.join(", ")}: received ${unknown.join(", ")}`);
  }
  const out = values.out;
  if (!(await Deno.stat(out).then((s) => s.isDirectory, () => false))) {
    throw new UsageError(`--out ${out}: no such folder; give the folder a reproduction wrote`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${out}/reproduce.json`));
  } catch {
    // Merged shards: describe the run from the records themselves.
    const records = (await Promise.all(
      Object.keys(EXPERIMENTS).map((name) => readRecords(`${out}/${name}/runs.jsonl`)),
    )).flat();
    const first = records[0];
    const commits = new Set(records.map((r) => r.provenance.gitCommit));
    const base = await provenance();
    manifest = {
      profile: first?.profile ?? "unknown",
      backend: first?.provenance.backend ?? "unknown",
      backendReason: "as recorded in the runs",
      adapter: first?.provenance.adapter ?? null,
      shard: "merged",
      workers: 0,
      seed: first?.provenance.seed ?? 0,
      gitCommit: commits.size > 1
        ? `of ${commits.size} origins (see each section's "made by")`
        : first?.provenance.gitCommit ?? base.gitCommit,
      gitDirty: commits.size > 1 ? false : first?.provenance.gitDirty ?? base.gitDirty,
      cpu: first?.provenance.cpu ?? base.cpu,
      cores: first?.provenance.cores ?? base.cores,
      steps: [],
    };
  }
  console.log(await writeReport(out, manifest, only));
}
