import assert from "node:assert/strict";
import { appendRecord, type RunRecord } from "../lib/results/run_records.ts";
import { PROFILES, webglRuns } from "../experiments/webgl_half_precision/profiles.ts";
import {
  webglHalfPrecisionSections,
  webglHalfPrecisionSpec,
} from "../experiments/webgl_half_precision/report.ts";

Deno.test("webgl half precision: the default grid is 2 textures × 2 thresholds × 3 modes", () => {
  const runs = webglRuns(PROFILES.default);
  assert.equal(runs.length, 12);
  assert.equal(new Set(runs.map((r) => r.runId)).size, 12);
  // One page load per precision: float32's runs first, then float16's.
  assert.deepEqual(runs.map((r) => r.texture), [
    ...new Array(6).fill("float32"),
    ...new Array(6).fill("float16"),
  ]);
  for (const r of runs) {
    assert.equal(r.config.precision, r.texture);
    assert.equal(r.config.gamma, 0.5);
    assert.equal(r.config.epsilon, r.config.stabilization === "epsilon" ? 1e-3 : 0);
  }
});

/** A record of the experiment with the given outcome. */
function record(
  precision: "float32" | "float16",
  threshold: number,
  stabilization: string,
  nanStep: number | null,
  index: number,
): RunRecord {
  return {
    experiment: "webgl-half-precision",
    runId: `${precision}/threshold=${threshold}/${stabilization}`,
    index,
    profile: "smoke",
    config: {
      gamma: 0.5,
      alpha: 0.5,
      stabilization,
      epsilon: 0,
      noise: "none",
      model: "binary-cnn",
      optimizer: "sgd",
      learningRate: 1e-3,
      momentum: 0.9,
      epochs: 2,
      batchSize: 64,
      trainSamples: 128,
      threshold,
      precision,
    },
    status: nanStep === null ? "completed" : "nan",
    completedEpochs: nanStep === null ? 2 : 0,
    nanEpoch: nanStep === null ? null : 1,
    nanStep,
    epochLosses: [0.2],
    steps: nanStep ?? 4,
    maxAbsLogit: [3],
    unchangedWeightShare: [precision === "float16" ? 0.9 : 0.2],
    provenance: {} as RunRecord["provenance"],
  } as RunRecord;
}

async function verdicts(records: RunRecord[]): Promise<string[]> {
  const out = await Deno.makeTempDir({ prefix: "focal-webgl-report-" });
  for (const r of records) await appendRecord(`${out}/webgl-half-precision/runs.jsonl`, r);
  const sections = await webglHalfPrecisionSections(out);
  await Deno.remove(out, { recursive: true });
  return sections.map((s) => s.verdict);
}

Deno.test("webgl half precision: verdicts follow the records", async () => {
  const exact = [record("float32", 0, "exact", null, 1), record("float16", 0, "exact", null, 3)];
  // The half-float original meets its NaN, the float32 one completes.
  assert.deepEqual(
    await verdicts([
      record("float32", 0, "none", null, 0),
      record("float16", 0, "none", 3, 2),
      ...exact,
    ]),
    ["agree", "agree", "measured (not a claim of the paper)"],
  );
  // Neither original meets a NaN within the budget.
  assert.deepEqual(
    (await verdicts([
      record("float32", 0, "none", null, 0),
      record("float16", 0, "none", null, 2),
      ...exact,
    ]))[0],
    "not reproduced",
  );
  // float32 meets it first; an exact run meets one.
  assert.deepEqual(
    await verdicts([
      record("float32", 0, "none", 2, 0),
      record("float16", 0, "none", 3, 2),
      record("float16", 0, "exact", 4, 3),
    ]),
    ["disagree", "disagree", "measured (not a claim of the paper)"],
  );
  assert.deepEqual(await verdicts([]), ["not run", "not run", "not run"]);
  const spec = webglHalfPrecisionSpec([record("float16", 0, "none", 3, 2)]) as {
    data: { values: unknown[] };
  };
  assert.equal(spec.data.values.length, 3); // one bar, two saturation rules
});
