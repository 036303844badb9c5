import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { PROFILES, runGrid } from "../experiments/cifar10_classification/profiles.ts";
import {
  cifar10Classification,
  cifarContext,
  trainingSet,
} from "../experiments/cifar10_classification/experiment.ts";
import { mulberry32 } from "../lib/data/random.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

Deno.test(name("the CIFAR-10 grid: CNN and ViT, original and stabilized"), () => {
  // The default's ViT is an analogue on a sample; its CNN trains on every image.
  const byModel = Object.fromEntries(
    runGrid(PROFILES.default).map((r) => [r.runId, [r.config.epochs, r.config.trainSamples]]),
  );
  assert.deepEqual(byModel, {
    "model=cnn/none": [20, null],
    "model=cnn/epsilon": [20, null],
    "model=vit/none": [10, 1024],
    "model=vit/epsilon": [10, 1024],
  });
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
  const profile = {
    ...PROFILES.smoke,
    trainSamples: 32,
    epochs: 1,
    batchSize: 16,
    vitRuns: { epochs: 1, trainSamples: 16 },
  };
  const context = cifarContext(data, 0);
  assert.equal(context.targets.length, 48);
  const subset = trainingSet(context, 32);
  assert.equal(subset.targets.length, 32);
  assert.equal(subset.images.length, 32 * 3072);
  assert.equal(trainingSet(context, 32), subset, "runs of one size share their sample");
  assert.equal(trainingSet(context, null).images, data.images);
  const dir = await Deno.makeTempDir({ prefix: "cifar-exp-" });
  try {
    const records: RunRecord[] = [];
    for (const run of runGrid(profile)) {
      const result = await cifar10Classification.train(context, run, 0);
      assert.equal(result.status, "completed");
      assert.equal(result.epochLosses.length, 1);
      assert.ok(Number.isFinite(result.epochLosses[0]));
      const { pair: _, ...fields } = run;
      records.push({ ...fields, ...result, experiment: "cifar10-classification" } as RunRecord);
    }
    const [path] = await cifar10Classification.figures(records, dir);
    assert.match(await Deno.readTextFile(path), /^<svg/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
