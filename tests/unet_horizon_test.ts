import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { validateRecord } from "./_schema.ts";
import { runWith } from "./_runs.ts";
import { crossings, lineFit } from "../experiments/unet_horizon/fit.ts";
import { PROFILES, runGrid } from "../experiments/unet_horizon/profiles.ts";
import { unetHorizon } from "../experiments/unet_horizon/experiment.ts";
import { horizonSection } from "../experiments/unet_horizon/report.ts";
import { horizonPlanNotes } from "../experiments/unet_horizon/plan.ts";
import { FLOAT32_SATURATING_LOGIT } from "../lib/precision/float_limits.ts";
import { runGrid as segmentationGrid } from "../experiments/mnist_segmentation/profiles.ts";
import { PROFILES as SEGMENTATION } from "../experiments/mnist_segmentation/profiles.ts";

Deno.test("lineFit: the least-squares line and its slope's standard error", () => {
  const exact = lineFit([1, 2, 3, 4], [3, 5, 7, 9]);
  assert.equal(exact.slope, 2);
  assert.equal(exact.slopeSe, 0);
  assert.equal(exact.meanY - exact.slope * exact.meanX, 1, "intercept 1");
  // y = x + e with residuals ±1: slope 1 ± sqrt(SSE/(n−2)/Sxx).
  const noisy = lineFit([0, 1, 2, 3], [1, 0, 3, 2]);
  assert.ok(Math.abs(noisy.slope - 0.6) < 1e-12);
  assert.ok(Math.abs(noisy.slopeSe - Math.sqrt(3.2 / 2 / 5)) < 1e-12);
  assert.throws(() => lineFit([1], [1]), RangeError);
});

Deno.test("crossings: an exact power law and an exact logarithm are extrapolated to their step", () => {
  const steps = [1000, 2000, 4000, 8000];
  // y = 0.01·s^0.75 reaches 17.33 at s = (1733)^(4/3).
  const power = crossings(steps, steps.map((s) => 0.01 * s ** 0.75), 17.33);
  const expected = (17.33 / 0.01) ** (1 / 0.75);
  assert.ok(Math.abs(power[0].step! / expected - 1) < 1e-9, `${power[0].step} vs ${expected}`);
  assert.deepEqual(power[0].interval.map((s) => Math.round(s! / expected * 1e9) / 1e9), [1, 1]);
  // y = 2·ln(s) − 10 reaches 17.33 at s = e^13.665.
  const log = crossings(steps, steps.map((s) => 2 * Math.log(s) - 10), 17.33);
  assert.ok(Math.abs(log[1].step! / Math.exp(27.33 / 2) - 1) < 1e-9);
  assert.ok(log[0].step! < log[1].step!, "the power law crosses sooner than the logarithm");
  // Not growing: never.
  assert.equal(crossings([1, 2, 3], [5, 4, 3], 17.33)[0].step, null);
  assert.throws(() => crossings([1, 2], [0, 1], 17.33), RangeError);
});

Deno.test("the horizon grid: Figure 6's no-noise original config at each width", () => {
  const grid = runGrid(PROFILES.paper);
  assert.deepEqual(grid.map((r) => r.runId), ["width=4/none", "width=8/none", "width=16/none"]);
  // The same config a segmentation run of that width records, but for its width and epochs.
  const segmentation = segmentationGrid(SEGMENTATION.paper).find((r) =>
    r.runId === "noise=none/none"
  )!;
  for (const run of grid) {
    assert.deepEqual(
      { ...run.config, width: 64, model: "unet-a6-width64", epochs: 1000 },
      segmentation.config,
    );
  }
  assert.equal(new Set(grid.map((r) => r.pair)).size, 3, "each width its own seeds");
});

Deno.test(name("horizon runs record saturation metrics, and the section reads them"), async () => {
  const out = await Deno.makeTempDir({ prefix: "horizon-" });
  try {
    const profile = { ...PROFILES.smoke, trainSamples: 64, epochs: 2 };
    const [record] = await runWith(unetHorizon, profile, { out, seed: 1 });
    assert.ok(validateRecord(record), JSON.stringify(validateRecord.errors));
    const m = record.epochMetrics!;
    for (const series of [m.backgroundLogitMin, m.foregroundLogitMax, m.backgroundSaturated]) {
      assert.equal(series?.length, 2);
    }
    const section = await horizonSection(out);
    assert.equal(section.verdict, "measured (not a claim of the paper)");
    assert.equal(section.body?.length, 3, "a header, its rule and one width");
    assert.match(section.body![2], /^\| 2 \| 2 \| /);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("--plan's horizon lines: per width, the expected NaN step and its cost here", async () => {
  const dir = await Deno.makeTempDir({ prefix: "horizon-plan-" });
  try {
    // A width-4 run whose background logit grows like 0.01·s^0.75 (938 steps an epoch),
    // at 0.1 s a step in the invocation that finished it; a width-8 run that met its NaN.
    const steps = [1, 2, 3].map((e) => e * 938);
    const record = (width: number, extra: object) => ({
      experiment: "unet-horizon",
      runId: `width=${width}/none`,
      index: 0,
      profile: "paper",
      config: { width, batchSize: 64, trainSamples: null },
      status: "completed",
      completedEpochs: 3,
      nanEpoch: null,
      nanStep: null,
      epochLosses: [0.1, 0.09, 0.08],
      // Resumed at epoch 2: its record times the last two epochs only.
      provenance: { wallSeconds: 2 * 938 * 0.1, resumed: { epoch: 2, step: 0 } },
      ...extra,
    });
    const lines = [
      record(4, {
        epochMetrics: {
          accuracyLogitOverHalf: [],
          accuracy: [],
          logitMin: [],
          logitMax: [],
          backgroundLogitMin: steps.map((s) => -0.01 * s ** 0.75),
          foregroundLogitMax: steps.map(() => 1),
          backgroundSaturated: [0, 0, 0],
          foregroundSaturated: [0, 0, 0],
        },
      }),
      record(8, { status: "nan", nanEpoch: 2, nanStep: 5 }),
    ];
    await Deno.writeTextFile(
      `${dir}/runs.jsonl`,
      lines.map((l) => JSON.stringify(l) + "\n").join(""),
    );
    const notes = await horizonPlanNotes(`${dir}/runs.jsonl`);
    const expected = (FLOAT32_SATURATING_LOGIT / 0.01) ** (1 / 0.75);
    assert.match(
      notes[0],
      new RegExp(
        `^U-Net horizon, width 4: NaN expected near step ${
          expected.toExponential(1).replace("+", "\\+")
        } \\(power law\\)`,
      ),
    );
    assert.match(notes[0], /at the 100 ms a step it measured/);
    assert.equal(notes[1], "U-Net horizon, width 8: met its NaN in epoch 2 (measured)");
    assert.match((await horizonPlanNotes(`${dir}/none.jsonl`))[0], /no committed runs/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
