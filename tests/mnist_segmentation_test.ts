import assert from "node:assert/strict";
import { validateRecord as validate } from "./_schema.ts";
import { name } from "./_backend.ts";
import { PROFILES, runGrid } from "../experiments/mnist_segmentation/profiles.ts";
import { mnistSegmentation } from "../experiments/mnist_segmentation/experiment.ts";
import { runWith } from "./_runs.ts";
import { parseCli } from "../experiments/_settings.ts";
import { unetHorizon } from "../experiments/unet_horizon/experiment.ts";
import { UsageError } from "../lib/cli/exit_cleanly.ts";

/** The common options' values as parseArgs gives them with no flags. */
const CLI_DEFAULTS = {
  profile: "default",
  backend: "cpu",
  shard: "1/1",
  out: "results",
  seed: "0",
};

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

Deno.test(
  name("the width4 profile: Figure 6's no-noise pair at width 4, the paper's protocol otherwise"),
  () => {
    const grid = runGrid(PROFILES.width4);
    assert.deepEqual(grid.map((r) => r.runId), ["noise=none/none", "noise=none/epsilon"]);
    const paper = runGrid(PROFILES.paper).slice(0, 2);
    grid.forEach((run, i) => {
      assert.equal(run.pair, paper[i].pair);
      assert.deepEqual(run.config, {
        ...paper[i].config,
        width: 4,
        model: "unet-a6-width4",
        epochs: 60,
      });
    });
  },
);

Deno.test(name("--profile takes an experiment's own profile only for that experiment"), () => {
  const values = { ...CLI_DEFAULTS, profile: "width4" };
  assert.equal(parseCli(values, Object.keys(mnistSegmentation.profiles)).profile, "width4");
  assert.throws(
    () => parseCli(values),
    (e: Error) =>
      e instanceof UsageError &&
      e.message === "--profile must be one of paper, default, smoke: received width4",
  );
  assert.throws(
    () => parseCli(values, Object.keys(unetHorizon.profiles)),
    /--profile must be one of paper, default, smoke: received width4/,
  );
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
