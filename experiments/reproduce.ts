// deno task reproduce [--profile smoke|default|paper] [--backend auto|webgpu|wasm|cpu]
//                     [--shard i/n] [--workers N] [--out reproduction] [--seed N]
//                     [--data-dir DIR] [--cells FILTER] [--epochs N] [--repeats R]
//                     [--bench full|quick|incidence|skip] [--compare-with results]
//
// Re-runs the paper: the analysis (Figures 1 and 2, experiments/analysis/),
// the benchmark (NaN incidence across backends, throughput), then every
// experiment (Figures 4, 5, 6),
// then compares its records with the committed ones (results/) and writes
// <out>/REPORT.md. It writes to a folder of its own (reproduction/, which git
// ignores), never over the committed results unless told `--out results`.
// Each experiment resumes from that folder's runs.jsonl, so an interrupted
// reproduce continues where it stopped.
import { DEBUG_OPTION, describeFailure, UsageError } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { provenance } from "../lib/results/provenance.ts";
import { planAll, printPlan, reproduceSelection, runNamed, SELECTION_HELP } from "./_cli.ts";
import { CLI_OPTIONS, parseCli, startBackend } from "./_settings.ts";
import { EXPERIMENTS } from "./registry.ts";
import type { ProfileName } from "./_experiment.ts";
import { type Manifest, type StepRecord, writeReport } from "./_report.ts";
import { compareRecords, describeComparison } from "./_compare.ts";
import { runAnalysis } from "./analysis/analysis.ts";
import { PROFILES as ANALYSIS_PROFILES } from "./analysis/profiles.ts";
import { benchFigures } from "./bench_report.ts";
import { resolve } from "node:path";

const HELP = `deno task reproduce [options]

Runs the analysis (Figures 1 and 2) and the benchmark, then ${Object.keys(EXPERIMENTS).join(", ")},
then compares the records with the committed ones and writes <out>/REPORT.md.

options:
  --profile smoke|default|paper   smoke: < 3 min; default: ~50 min on 2 cores; paper: as published
  --backend auto|webgpu|wasm|cpu  auto: webgpu on real GPU hardware, else wasm (default: auto)
  --shard i/n                     this machine's share of every grid (default: 1/1); merge the
                                  shards' outputs with deno task experiment merge
  --workers N                     runs trained at once (default: one per core on wasm/cpu)
  --out DIR                       where to write (default: reproduction, which git ignores;
                                  --out results writes over the committed results)
  --compare-with DIR              the committed records to compare with (default: results;
                                  "" compares with none)
  --seed N                        (default: 0)
  --data-dir DIR                  official dataset files (MNIST IDX, cifar-10-binary.tar.gz)
  --bench full|quick|incidence|skip
                                  the benchmark: full (paper's default), quick (default's),
                                  incidence = NaN incidence and numerics without throughput
                                  (smoke's), skip = keep what <out>/bench holds
${SELECTION_HELP}
  --debug                         on failure, print the stack too
  --help                          this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    ...CLI_OPTIONS,
    out: { type: "string", default: "reproduction" },
    "compare-with": { type: "string", default: "results" },
    bench: { type: "string" },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
const line = parseCli(values);
// parseCli checked it against the profiles every experiment has.
const profileName = line.profile as ProfileName;
const benchMode = values.bench ??
  { paper: "full", default: "quick", smoke: "incidence" }[profileName];
if (!["full", "quick", "incidence", "skip"].includes(benchMode)) {
  throw new UsageError(`--bench must be full, quick, incidence or skip: received ${values.bench}`);
}
const settings = await startBackend(line);

// What the experiments will cost, first (the bench is not planned: see the README).
const plans = await planAll(
  Object.values(EXPERIMENTS),
  settings,
  values.plan,
  (e) => reproduceSelection(e, settings),
);
printPlan(plans, values.plan);
if (values.plan) Deno.exit(0);

const base = await provenance();
const manifestPath = `${settings.out}/reproduce.json`;
await Deno.mkdir(settings.out, { recursive: true });
let previous: StepRecord[] = [];
try {
  const old = JSON.parse(await Deno.readTextFile(manifestPath)) as Manifest;
  if (old.profile === settings.profile) previous = old.steps;
} catch { /* first run */ }
const manifest: Manifest = {
  profile: settings.profile,
  backend: settings.backend.name,
  backendReason: settings.backend.reason,
  adapter: settings.backend.adapter,
  shard: settings.shard.join("/"),
  workers: settings.workers,
  seed: settings.seed,
  gitCommit: base.gitCommit,
  gitDirty: base.gitDirty,
  cpu: base.cpu,
  cores: base.cores,
  steps: previous,
};
async function record(step: StepRecord): Promise<void> {
  manifest.steps = [...manifest.steps.filter((s) => s.name !== step.name), step];
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest, null, 1) + "\n");
}

const start = performance.now();
// The analysis and the benchmark cover all three backends themselves, each
// in its own process; only the first shard runs them.
if (settings.shard[0] === 1) {
  const t = performance.now();
  const profile = ANALYSIS_PROFILES[profileName];
  console.log(`== analysis (${profile.name}): Figures 1 and 2, by backend and precision`);
  let failure: string | null = null;
  try {
    await runAnalysis(settings.out, profile);
  } catch (e) {
    failure = describeFailure(e);
    console.error(`analysis: ${failure}`);
  }
  await record({
    name: "analysis",
    status: failure === null ? "ran" : "failed",
    reason: failure,
    wallSeconds: (performance.now() - t) / 1000,
    finishedAt: new Date().toISOString(),
  });
}
if (benchMode !== "skip" && settings.shard[0] === 1) {
  const t = performance.now();
  console.log(`== bench (${benchMode}): NaN incidence, numerics, throughput`);
  const args = [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "--allow-env",
    "--allow-sys",
    new URL("../bench/run.ts", import.meta.url).pathname,
    "--out",
    `${settings.out}/bench`,
    ...(benchMode === "quick" ? ["--quick"] : []),
    ...(benchMode === "incidence" ? ["--no-throughput"] : []),
  ];
  const status = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).spawn().status;
  if (status.success) await benchFigures(settings.out);
  await record({
    name: "bench",
    status: status.success ? "ran" : "failed",
    reason: status.success
      ? (benchMode === "full" ? null : `${benchMode} mode`)
      : `exit ${status.code}`,
    wallSeconds: (performance.now() - t) / 1000,
    finishedAt: new Date().toISOString(),
  });
}
for (const experiment of Object.values(EXPERIMENTS)) {
  console.log(`== ${experiment.name}`);
  try {
    const outcome = await runNamed(
      experiment,
      { ...settings, selection: reproduceSelection(experiment, settings) },
      plans.find((p) => p.experiment === experiment.name)?.secondsPerStep,
    );
    if (outcome.skipped !== null) {
      console.log(`${experiment.name} skipped: ${outcome.skipped}`);
      // The figure still shows the paper's published curves, with none of ours.
      await experiment.figures([], `${settings.out}/${experiment.name}`);
    }
    await record({
      name: experiment.name,
      status: outcome.skipped === null ? "ran" : "skipped",
      reason: outcome.skipped,
      wallSeconds: outcome.wallSeconds,
      finishedAt: new Date().toISOString(),
    });
  } catch (e) {
    // One line, and the report says which step failed; --debug adds the stack.
    console.error(`${experiment.name}: ${describeFailure(e)}`);
    if (values.debug) console.error((e as Error).stack);
    await record({
      name: experiment.name,
      status: "failed",
      reason: (e as Error).message,
      wallSeconds: 0,
      finishedAt: new Date().toISOString(),
    });
  }
}
// What this reproduction re-measured against the committed records.
const reference = values["compare-with"];
if (reference !== "" && resolve(reference) !== resolve(settings.out)) {
  const experiments = await compareRecords(settings.out, reference, Object.keys(EXPERIMENTS));
  console.log(`== against the committed records in ${reference}/`);
  for (const c of experiments) console.log(describeComparison(c));
  manifest.comparison = { reference, experiments };
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest, null, 1) + "\n");
}
const report = await writeReport(settings.out, manifest);
console.log(`${report} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
if (manifest.steps.some((s) => s.status === "failed")) Deno.exit(1);
