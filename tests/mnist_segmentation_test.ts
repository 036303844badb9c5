import assert from "node:assert/strict";
import { validateRecord as validate } from "./_schema.ts";
import { name } from "./_backend.ts";
import { PROFILES, runGrid } from "../experiments/mnist_segmentation/profiles.ts";
import { mnistSegmentation } from "../experiments/mnist_segmentation/experiment.ts";
import { runWith } from "./_runs.ts";
import { parseCli } from "../experiments/_settings.ts";
import { unetHorizon } from "../experiments/unet_horizon/experiment.ts";
import { UsageError } from "../lib/cli/exit_cleanly.ts";
import type { RunRecord } from "../lib/results/run_records.ts";
import { figure6Section, smallerWidthVerdict } from "../experiments/mnist_segmentation/report.ts";

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

/** A segmentation record: its loss, its epochs, its NaN epoch or null. */
function segRecord(
  stabilization: "none" | "epsilon",
  completedEpochs: number,
  nanEpoch: number | null,
): RunRecord {
  return {
    experiment: "mnist-segmentation",
    runId: `noise=none/${stabilization}`,
    index: stabilization === "none" ? 0 : 1,
    profile: "width4",
    config: runGrid(PROFILES.width4)[stabilization === "none" ? 0 : 1]
      .config as RunRecord["config"],
    status: nanEpoch === null ? "completed" : "nan",
    completedEpochs,
    nanEpoch,
    nanStep: nanEpoch === null ? null : 5,
    epochLosses: Array.from({ length: completedEpochs }, () => 0.1),
    provenance: {} as RunRecord["provenance"],
  };
}

Deno.test(name("Figure 6 at a smaller width: the verdict by its rule"), () => {
  const original = segRecord("none", 30, 31);
  // The original met its NaN; the twin carried on past it, or has no record yet, or met one too.
  assert.equal(smallerWidthVerdict([original, segRecord("epsilon", 60, null)]), "agree");
  assert.equal(smallerWidthVerdict([original, segRecord("epsilon", 31, null)]), "agree");
  // A twin that stopped before the original's NaN epoch shows nothing past it.
  assert.equal(smallerWidthVerdict([original, segRecord("epsilon", 30, null)]), "partly agree");
  assert.equal(smallerWidthVerdict([original]), "partly agree");
  assert.equal(smallerWidthVerdict([original, segRecord("epsilon", 20, 21)]), "disagree");
  // No NaN within the cap: nothing shown.
  assert.equal(
    smallerWidthVerdict([segRecord("none", 60, null), segRecord("epsilon", 60, null)]),
    "not reproduced",
  );
  assert.equal(smallerWidthVerdict([segRecord("epsilon", 60, null)]), "not reproduced");
});

Deno.test(
  name("Figure 6 at a smaller width: its own section, the reach of the logits"),
  async () => {
    const out = await Deno.makeTempDir({ prefix: "seg-section-" });
    try {
      const original = {
        ...segRecord("none", 2, 3),
        epochMetrics: {
          accuracyLogitOverHalf: [0.9, 0.95],
          accuracy: [0.9, 0.95],
          logitMin: [-9, -12],
          logitMax: [8, 10],
          backgroundLogitMin: [-9, -12.5],
          foregroundLogitMax: [8, 10],
          backgroundSaturated: [0, 0],
          foregroundSaturated: [0, 0],
        },
      };
      await Deno.mkdir(`${out}/mnist-segmentation`);
      await Deno.writeTextFile(
        `${out}/mnist-segmentation/runs.jsonl`,
        JSON.stringify(original) + "\n",
      );
      const section = await figure6Section(out);
      assert.equal(
        section.title,
        "Figure 6 at width 4: MNIST segmentation, a smaller U-Net than A.6's",
      );
      assert.equal(section.verdict, "partly agree");
      assert.ok(
        section.measured.some((m) =>
          m.startsWith(
            "noise=none/none: NaN at epoch 3, step 5; epoch 2: background min logit " +
              "-12.50 (lowest of any epoch -12.50), foreground max 10.00, saturated 0.0% of background",
          )
        ),
        section.measured.join("\n"),
      );
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
);

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
