import assert from "node:assert/strict";
import { validateRecord as validate } from "./_schema.ts";
import { name } from "./_backend.ts";
import {
  type MnistProfile,
  PROFILES,
  runGrid,
} from "../experiments/mnist_classification/profiles.ts";
import { mnistClassification } from "../experiments/mnist_classification/experiment.ts";
import { parseCells, runSeeds, selectRuns, shardOf } from "../experiments/_experiment.ts";
import { runWith } from "./_runs.ts";
import { mergeRecords, readRecords, type RunRecord } from "../lib/results/run_records.ts";
import { BACKEND } from "./_backend.ts";

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

function run(
  out: string,
  shard: [number, number] = [1, 1],
  workers = 1,
  profile: MnistProfile = TINY,
) {
  return runWith(mnistClassification, profile, { shard, out, seed: 5, workers });
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
  for (const r of grid) {
    // The official code's protocol: SGD with momentum, all 60,000 images, 100 epochs.
    assert.equal(r.config.optimizer, "sgd");
    assert.equal(r.config.momentum, 0.9);
    assert.equal(r.config.learningRate, 1e-3);
    assert.equal(r.config.trainSamples, null);
    assert.equal(r.config.epochs, 100);
    assert.equal(r.config.alpha, 0.5);
  }
  const shards = [1, 2, 3].map((i) => shardOf(grid, i, 3));
  assert.deepEqual(
    shards.flat().map((r) => r.index).sort((a, b) => a - b),
    grid.map((r) => r.index),
  );
  assert.throws(() => shardOf(grid, 4, 3), /--shard must be i\/n with 1 <= i <= n: received 4\/3/);
});

Deno.test(name("the default profile is a sample of the paper's cells at full fidelity"), () => {
  const paper = new Map(runGrid(PROFILES.paper).map((r) => [r.runId, r]));
  const sample = runGrid(PROFILES.default);
  assert.equal(sample.length, 48);
  for (const r of sample) {
    const cell = paper.get(r.runId);
    assert.ok(cell, `${r.runId} is not a cell of the paper`);
    // Everything as in the paper but the epoch cap.
    assert.deepEqual({ ...r.config, epochs: 100 }, cell.config);
    assert.equal(r.config.epochs, 20);
  }
  // Both outcomes of Figure 4 are tested: stable and unstable γ, both losses,
  // both ends of the class ratio, no noise and high noise.
  const values = (key: string) => new Set(sample.map((r) => String(r.config[key])));
  assert.deepEqual(values("stabilization"), new Set(["none", "epsilon"]));
  assert.deepEqual(values("noise"), new Set(["none", "high"]));
  assert.deepEqual(values("threshold"), new Set(["0", "4", "8"]));
});

Deno.test(
  name("a selection picks cells, caps epochs and repeats runs with their own seeds"),
  () => {
    const grid = runGrid(PROFILES.paper);
    const picked = selectRuns(grid, {
      cells: parseCells("noise=none, gamma=0.1|0.5 ,stabilization=none"),
      epochs: 7,
      repeats: 2,
    });
    assert.equal(picked.length, 9 * 2 * 2);
    assert.deepEqual(picked.map((r) => r.index), picked.map((_, i) => i));
    for (const r of picked) {
      assert.equal(r.config.noise, "none");
      assert.ok(r.config.gamma === 0.1 || r.config.gamma === 0.5);
      assert.equal(r.config.epochs, 7);
    }
    assert.equal(picked[0].runId, "noise=none/threshold=0/gamma=0.1/none");
    assert.equal(picked[1].runId, "noise=none/threshold=0/gamma=0.1/none/repeat=1");
    assert.equal(picked[1].config.repeat, 1);
    assert.equal(picked[0].config.repeat, undefined, "repeat 0 is the plain run");
    // A repeat gets its own seeds; an original run and its stabilized twin share them.
    assert.notDeepEqual(runSeeds(0, picked[0].pair), runSeeds(0, picked[1].pair));
    const twin = grid.find((r) => r.runId === "noise=none/threshold=0/gamma=0.1/epsilon")!;
    assert.deepEqual(runSeeds(0, twin.pair), runSeeds(0, picked[0].pair));
    assert.notDeepEqual(runSeeds(1, twin.pair), runSeeds(0, twin.pair));
    assert.throws(
      () => parseCells("gamma"),
      /--cells takes key=value\[\|value\],\.\.\.: received 'gamma'/,
    );
    assert.throws(() => selectRuns(grid, { cells: { colour: ["red"] } }), /no run has 'colour'/);
    // A value no run has is named with the values there are, not an empty selection.
    assert.throws(
      () => selectRuns(grid, { cells: { noise: ["loud", "quiet"] } }),
      /no run has noise=loud\|quiet; its values are none, medium, high/,
    );
    // Some values absent (as in a smaller profile) is no error: the others are selected.
    assert.equal(
      selectRuns(grid, { cells: { noise: ["none", "loud"] } }).length,
      selectRuns(grid, { cells: { noise: ["none"] } }).length,
    );
    // Adam only when named, and then recorded as such.
    const adam = selectRuns(grid, { optimizer: "adam" })[0].config;
    assert.equal(adam.optimizer, "adam");
    assert.equal(adam.learningRate, 1e-3);
    assert.equal("momentum" in adam, false);
    assert.throws(
      () => selectRuns(grid, { optimizer: "rmsprop" as "adam" }),
      /--optimizer must be sgd or adam: received rmsprop/,
    );
    assert.throws(() => selectRuns(grid, { epochs: 0 }), /--epochs must be a positive integer/);
    assert.throws(() => selectRuns(grid, { repeats: 1.5 }), /--repeats must be a positive integer/);
  },
);

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
      // Resuming into a folder that holds the same run with another config
      // (here another epoch cap) is refused, not mixed.
      await assert.rejects(
        () => run(`${root}/whole`, [1, 1], 1, { ...TINY, epochs: 2 }),
        /holds noise=none\/threshold=0\/gamma=0\/none with another config/,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
