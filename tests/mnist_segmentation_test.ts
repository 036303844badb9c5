import assert from "node:assert/strict";
import { validateRecord as validate } from "./_schema.ts";
import { name } from "./_backend.ts";
import { PROFILES, runGrid } from "../experiments/mnist_segmentation/profiles.ts";
import { mnistSegmentation } from "../experiments/mnist_segmentation/experiment.ts";
import { runWith } from "./_runs.ts";

Deno.test(name("the segmentation grid: noise × original/stabilized, γ = α_t = 0.5"), () => {
  const grid = runGrid(PROFILES.paper);
  assert.equal(grid.length, 6);
  assert.deepEqual(grid.map((r) => r.runId).slice(0, 2), ["noise=none/none", "noise=none/epsilon"]);
  for (const run of grid) {
    assert.equal(run.config.gamma, 0.5);
    assert.equal(run.config.alpha, 0.5);
    assert.equal(run.config.model, "unet-a6-width64");
  }
});

Deno.test(name("segmentation runs write schema-valid records and Figure 6"), async () => {
  const out = await Deno.makeTempDir({ prefix: "seg-" });
  try {
    const profile = {
      ...PROFILES.smoke,
      noise: ["none"] as const,
      trainSamples: 64,
      epochs: 1,
      width: 2,
    };
    const records = await runWith(mnistSegmentation, profile, { out, seed: 1 });
    assert.equal(records.length, 2);
    for (const record of records) {
      assert.ok(validate(record), JSON.stringify(validate.errors));
      assert.equal(record.epochLosses.length, 1);
    }
    // Same start, same batches: one epoch apart only by ε.
    const [original, stabilized] = records.map((r) => r.epochLosses[0]);
    assert.ok(Math.abs(original - stabilized) < 0.05 * original, `${original} vs ${stabilized}`);
    const [path] = await mnistSegmentation.figures(records, `${out}/mnist-segmentation`);
    assert.match(await Deno.readTextFile(path), /^<svg/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
