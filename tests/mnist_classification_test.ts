import assert from "node:assert/strict";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { name } from "./_backend.ts";
import {
  type MnistProfile,
  PROFILES,
  runGrid,
} from "../experiments/mnist_classification/profiles.ts";
import { mnistClassification } from "../experiments/mnist_classification/experiment.ts";
import { shardOf } from "../experiments/_experiment.ts";
import { runExperiment } from "../experiments/_runner.ts";
import { mergeRecords, readRecords, type RunRecord } from "../lib/results/run_records.ts";
import { BACKEND } from "./_backend.ts";

const schema = JSON.parse(
  await Deno.readTextFile(new URL("../results/schema/run_record.schema.json", import.meta.url)),
);
const ajv = new Ajv.default({ allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** Four short runs: every code path of the runner, quick on every backend. */
const TINY: MnistProfile = {
  ...PROFILES.smoke,
  thresholds: [0],
  stableGammas: [0, 2],
  unstableGammas: [0.5],
  noise: ["none"],
  epochs: 1,
  trainSamples: 64,
};

function run(out: string, shard: [number, number] = [1, 1], workers = 1) {
  return runExperiment(mnistClassification, {
    profile: TINY,
    backend: BACKEND,
    adapter: null,
    shard,
    out,
    seed: 5,
    workers,
  });
}

/**
 * A record without what may differ between two runs of the same
 * configuration: the times, and the state of the working tree.
 */
function comparable(r: RunRecord) {
  const { backend, adapter, profile, seed, packageVersion, tfjsVersion } = r.provenance;
  return { ...r, provenance: { backend, adapter, profile, seed, packageVersion, tfjsVersion } };
}

Deno.test(name("the paper grid has 648 runs, 24 per threshold and noise level"), () => {
  const grid = runGrid(PROFILES.paper);
  assert.equal(grid.length, 648);
  assert.equal(new Set(grid.map((r) => r.runId)).size, 648);
  assert.deepEqual(grid.map((r) => r.index), grid.map((_, i) => i));
  assert.equal(runGrid(PROFILES.default).length, 648);
  const shards = [1, 2, 3].map((i) => shardOf(grid, i, 3));
  assert.deepEqual(
    shards.flat().map((r) => r.index).sort((a, b) => a - b),
    grid.map((r) => r.index),
  );
  assert.throws(() => shardOf(grid, 4, 3), /--shard must be i\/n with 1 <= i <= n: received 4\/3/);
});

Deno.test(
  name("runs write schema-valid records, resume after a cut, and shards merge exactly"),
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mnist-exp-" });
    try {
      const whole = await run(`${root}/whole`);
      assert.equal(whole.length, 4);
      for (const record of whole) assert.ok(validate(record), JSON.stringify(validate.errors));
      // Interrupted: two runs recorded, and half of a third line written.
      const path = `${root}/cut/mnist-classification/runs.jsonl`;
      await Deno.mkdir(`${root}/cut/mnist-classification`, { recursive: true });
      const partial = JSON.stringify(whole[2]).slice(0, 40);
      await Deno.writeTextFile(
        path,
        whole.slice(0, 2).map((r) => JSON.stringify(r) + "\n").join("") + partial,
      );
      const resumed = await run(`${root}/cut`);
      assert.deepEqual(resumed.map((r) => r.runId), whole.map((r) => r.runId));
      assert.deepEqual(resumed.slice(0, 2), whole.slice(0, 2), "recorded runs are not redone");
      assert.deepEqual(
        resumed.map(comparable),
        whole.map(comparable),
        "same results after resuming",
      );
      // Two shards, merged, are what one machine wrote.
      const a = await run(`${root}/a`, [1, 2]);
      const b = await run(`${root}/b`, [2, 2]);
      assert.equal(a.length + b.length, 4);
      const merged = mergeRecords([
        await readRecords(`${root}/b/mnist-classification/runs.jsonl`),
        await readRecords(`${root}/a/mnist-classification/runs.jsonl`),
      ]);
      assert.deepEqual(merged.map(comparable), whole.map(comparable));
      // Two Web Workers, each with its own tfjs, record what one process does
      // (on a CPU backend: webgpu keeps one process per GPU).
      if (BACKEND !== "webgpu") {
        const parallel = await run(`${root}/workers`, [1, 1], 2);
        assert.deepEqual(parallel.map(comparable), whole.map(comparable));
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
