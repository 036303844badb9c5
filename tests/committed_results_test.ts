// The committed results under results/ still load, resume, merge and
// re-render unchanged with today's code: every record is schema-valid;
// today's grid gives each run the config and the seeds it was recorded with
// (so the same command resumes a folder, and a checkpoint's key still
// matches); merging a folder gives back its records; its figures redraw to
// the same bytes; its REPORT.md re-renders to the same text.
import assert from "node:assert/strict";
import { validateRecord } from "./_schema.ts";
import { BACKEND } from "./_backend.ts";
import { mergeRecords, readRecords, type RunRecord } from "../lib/results/run_records.ts";
import { EXPERIMENTS } from "../experiments/registry.ts";
import { selectRuns } from "../experiments/_experiment.ts";
import { reportCommand } from "../experiments/report.ts";
import { analysisFigures } from "../experiments/analysis/figures.ts";
import { benchFigures } from "../experiments/bench_report.ts";

const RESULTS = new URL("../results/", import.meta.url).pathname;

/** Every folder under results/ (itself included) holding <experiment>/runs.jsonl. */
function recordFolders(dir = RESULTS): string[] {
  const folders: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.isDirectory) continue;
    const sub = `${dir}${entry.name}/`;
    if (Deno.statSync(sub).isDirectory && existsSync(`${sub}runs.jsonl`)) {
      if (!folders.includes(dir)) folders.push(dir);
    } else folders.push(...recordFolders(sub));
  }
  return folders;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The experiments a folder holds records of. */
function experimentsIn(folder: string): string[] {
  return [...Deno.readDirSync(folder)]
    .filter((e) => e.isDirectory && existsSync(`${folder}${e.name}/runs.jsonl`))
    .map((e) => e.name).sort();
}

/**
 * The seed key each committed run was trained with, as the code derived it
 * before grids named it (GridRun.pair): the run id without its loss arm
 * (the variants' Adaptive arms, first recorded later, share one pair too).
 * Kept here as the reference the explicit pairs must equal.
 */
function legacyPair(experiment: string, runId: string): string {
  return experiment === "variants"
    ? `variants/${runId.replace(/\/(none|exact|clipped|authors)(?=\/|$)/, "")}`
    : runId.replace(/\/(none|epsilon|exact)(?=\/|$)/, "");
}

const FOLDERS = recordFolders();
/** Backend-independent: the cpu pass alone runs these. */
const ignore = BACKEND !== "cpu";

Deno.test({ name: "results/ holds the committed folders this test walks", ignore }, () => {
  const names = FOLDERS.map((f) => f.slice(RESULTS.length) || ".");
  for (const expected of [".", "figure5-cnn/", "seed-spread/", "paper-no-noise-row/"]) {
    assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
  }
});

Deno.test(
  {
    name: "results/figures: Figures 1-2 and the NaN incidence redraw unchanged from their JSON",
    ignore,
  },
  async () => {
    const copy = await Deno.makeTempDir({ prefix: "committed-figures-" });
    try {
      for (const dir of ["analysis", "bench"]) {
        await new Deno.Command("cp", { args: ["-r", `${RESULTS}${dir}`, copy] }).output();
      }
      const drawn = [...await analysisFigures(copy), (await benchFigures(copy))!];
      const names = drawn.map((p) => p.slice(p.lastIndexOf("/") + 1)).sort();
      assert.deepEqual(names, [
        "figure1.svg",
        "figure2_cpu.svg",
        "figure2_precision.svg",
        "figure2_wasm.svg",
        "figure2_webgpu.svg",
        "nan_incidence.svg",
      ]);
      for (const path of drawn) {
        const name = path.slice(path.lastIndexOf("/") + 1);
        const same = await Deno.readTextFile(path) ===
          await Deno.readTextFile(`${RESULTS}figures/${name}`);
        assert.ok(same, `results/figures/${name} redraws differently`);
      }
    } finally {
      await Deno.remove(copy, { recursive: true });
    }
  },
);

for (const folder of FOLDERS) {
  const label = `results/${folder.slice(RESULTS.length)}`;

  Deno.test({
    name: `${label}: records load, resume with today's grids, merge unchanged`,
    ignore,
  }, async () => {
    for (const experiment of experimentsIn(folder)) {
      const records = await readRecords(`${folder}${experiment}/runs.jsonl`);
      assert.ok(records.length > 0, experiment);
      for (const r of records) {
        assert.ok(validateRecord(r), `${r.runId}: ${JSON.stringify(validateRecord.errors)}`);
      }
      const merged = mergeRecords([records]);
      assert.deepEqual(
        merged.map((r) => JSON.stringify(r)).sort(),
        records.map((r) => JSON.stringify(r)).sort(),
      );
      const runner = EXPERIMENTS[experiment as keyof typeof EXPERIMENTS];
      if (runner === undefined) continue; // webgl-half-precision: its own runner
      for (const r of records) {
        // The selection that made it: its cap, its repeat, its optimizer.
        const runs = selectRuns(runner.grid(runner.profiles[r.profile as "paper"]), {
          epochs: r.config.epochs as number,
          repeats: Number(r.config.repeat ?? 0) + 1,
          optimizer: r.config.optimizer as "sgd" | "adam",
        });
        const run = runs.find((g) => g.runId === r.runId);
        assert.ok(run, `${experiment}: today's ${r.profile} grid has ${r.runId}`);
        const config = r.config.stacked ? { ...run.config, stacked: true } : run.config;
        assert.equal(JSON.stringify(config), JSON.stringify(r.config), `${r.runId}'s config`);
        assert.equal(run.pair, legacyPair(experiment, r.runId), `${r.runId}'s seeds`);
      }
    }
  });

  Deno.test({ name: `${label}: figures and REPORT.md re-render unchanged`, ignore }, async () => {
    const copy = await Deno.makeTempDir({ prefix: "committed-" });
    try {
      const experiments = experimentsIn(folder);
      for (const experiment of experiments) {
        const runner = EXPERIMENTS[experiment as keyof typeof EXPERIMENTS];
        if (runner === undefined) continue;
        // In grid order, as the runner and a merge give them to `figures`.
        const records: RunRecord[] = mergeRecords([
          await readRecords(`${folder}${experiment}/runs.jsonl`),
        ]);
        await Deno.mkdir(`${copy}/${experiment}`);
        for (const path of await runner.figures(records, `${copy}/${experiment}`)) {
          const name = path.slice(path.lastIndexOf("/") + 1);
          // Compared whole; an SVG's diff is too long to print.
          const same = await Deno.readTextFile(path) ===
            await Deno.readTextFile(`${folder}${experiment}/${name}`);
          assert.ok(same, `${label}${experiment}/${name} redraws differently`);
        }
      }
      if (!existsSync(`${folder}REPORT.md`)) return;
      // The report reads the folder's JSON; render it in a copy.
      await new Deno.Command("cp", { args: ["-r", `${folder}.`, copy] }).output();
      const only = folder === RESULTS ? [] : ["--only", experiments.join(",")];
      const log = console.log;
      console.log = () => {};
      try {
        await reportCommand(["--out", copy, ...only]);
      } finally {
        console.log = log;
      }
      assert.equal(
        await Deno.readTextFile(`${copy}/REPORT.md`),
        await Deno.readTextFile(`${folder}REPORT.md`),
        `${label}REPORT.md: rerender with deno task experiment report --out ${label}`,
      );
    } finally {
      await Deno.remove(copy, { recursive: true });
    }
  });
}
