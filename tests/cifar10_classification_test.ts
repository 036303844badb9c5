import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { PROFILES, runGrid } from "../experiments/cifar10_classification/profiles.ts";
import {
  cifar10Classification,
  cifarContext,
} from "../experiments/cifar10_classification/experiment.ts";
import { mulberry32 } from "../lib/data/_random.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

Deno.test(name("the CIFAR-10 grid: CNN and ViT, original and stabilized"), () => {
  const grid = runGrid(PROFILES.paper);
  assert.deepEqual(grid.map((r) => r.runId), [
    "model=cnn/none",
    "model=cnn/epsilon",
    "model=vit/none",
    "model=vit/epsilon",
  ]);
  assert.equal(grid[0].config.gamma, 0.5);
  assert.equal(grid[0].config.alpha, 0.5);
  assert.equal(grid[1].config.epsilon, 1e-3);
  assert.equal(grid[0].config.batchSize, 128);
});

Deno.test(name("with broken data the experiment says which file, before any run"), async () => {
  const dir = await Deno.makeTempDir({ prefix: "no-cifar-" });
  try {
    await Deno.writeFile(`${dir}/test_batch.bin`, new Uint8Array(3073));
    const reason = await cifar10Classification.unavailable({ dataDir: dir, seed: 0 });
    assert.match(reason ?? "", /test_batch\.bin: 3073 bytes, expected 10000 records/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(name("every run trains on CIFAR-format data and the figure renders"), async () => {
  const random = mulberry32(9);
  const count = 48;
  const data = {
    images: Uint8Array.from({ length: count * 3072 }, () => Math.floor(256 * random())),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    source: "test",
  };
  const profile = { ...PROFILES.smoke, trainSamples: 32, epochs: 1, batchSize: 16 };
  const context = cifarContext(data, profile, 0);
  assert.equal(context.targets.length, 32);
  assert.equal(context.images.length, 32 * 3072);
  const dir = await Deno.makeTempDir({ prefix: "cifar-exp-" });
  try {
    const records: RunRecord[] = [];
    for (const run of runGrid(profile)) {
      const result = await cifar10Classification.train(context, run, 0);
      assert.equal(result.status, "completed");
      assert.equal(result.epochLosses.length, 1);
      assert.ok(Number.isFinite(result.epochLosses[0]));
      records.push({ ...run, ...result, experiment: "cifar10-classification" } as RunRecord);
    }
    const [path] = await cifar10Classification.figures(records, dir);
    assert.match(await Deno.readTextFile(path), /^<svg/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
