import assert from "node:assert/strict";
import {
  Eta,
  type ExperimentPlan,
  formatDuration,
  runCosts,
  shardsNeeded,
  stepsPerEpoch,
} from "../experiments/_plan.ts";
import { mnistClassification } from "../experiments/mnist_classification/experiment.ts";
import { mnistSegmentation } from "../experiments/mnist_segmentation/experiment.ts";
import { type Experiment, selectRuns } from "../experiments/_experiment.ts";
import { loadPublished } from "../experiments/_published.ts";

Deno.test("steps per epoch keep the last partial batch", () => {
  assert.equal(stepsPerEpoch(60000, 64), 938);
  assert.equal(stepsPerEpoch(256, 64), 4);
  assert.equal(stepsPerEpoch(50000, 128), 391);
});

Deno.test("the paper's MNIST grid: 60.8 M steps at the cap, fewer where the paper's runs met a NaN", async () => {
  const published = await loadPublished();
  const runs = selectRuns(mnistClassification.grid(mnistClassification.profiles.paper));
  const costs = runCosts(
    runs,
    mnistClassification.datasetSize,
    (c) => mnistClassification.publishedRun(published, c),
    (c) => mnistClassification.stepModel(c).key,
  );
  assert.equal(costs.length, 648);
  const upper = costs.reduce((s, c) => s + c.epochs * c.stepsPerEpoch, 0);
  assert.equal(upper, 648 * 100 * 938);
  // Stable γ and stabilized runs run to the cap; an original unstable run
  // stops in the epoch after the paper's completed ones.
  for (const [i, run] of runs.entries()) {
    const c = run.config;
    const paper = mnistClassification.publishedRun(published, c)!;
    const expected = c.stabilization === "none" && paper.completedEpochs < paper.maxEpochs
      ? paper.completedEpochs + 1
      : 100;
    assert.equal(costs[i].expectedEpochs, expected, run.runId);
  }
  const stopped = costs.filter((c) => c.expectedEpochs < 100).length;
  assert.ok(stopped > 0 && stopped < 648, `${stopped} runs expected to stop`);
});

Deno.test("a capped selection's expectation never exceeds its cap", async () => {
  const published = await loadPublished();
  const runs = selectRuns(mnistSegmentation.grid(mnistSegmentation.profiles.paper), { epochs: 10 });
  const costs = runCosts(
    runs,
    mnistSegmentation.datasetSize,
    (c) => mnistSegmentation.publishedRun(published, c),
    (c) => mnistSegmentation.stepModel(c).key,
  );
  assert.ok(costs.every((c) => c.epochs === 10 && c.expectedEpochs <= 10));
  assert.deepEqual(new Set(costs.map((c) => c.model)), new Set(["unet-a6-width64, batch 64"]));
});

Deno.test("shards needed for a limit, and durations as people read them", () => {
  const plan = { experiment: "x", wallSeconds: { upper: 10 * 3600, expected: 5 * 3600 } };
  assert.equal(shardsNeeded(plan as ExperimentPlan, 4.5 * 3600), 3);
  assert.equal(
    shardsNeeded({ ...plan, wallSeconds: { upper: 1, expected: 1 } } as ExperimentPlan, 60),
    1,
  );
  assert.throws(
    () =>
      shardsNeeded({ ...plan, wallSeconds: { upper: null, expected: null } } as ExperimentPlan, 1),
    RangeError,
  );
  assert.equal(formatDuration(12.4), "12 s");
  assert.equal(formatDuration(245), "4 min 05 s");
  assert.equal(formatDuration(3 * 3600 + 12 * 60), "3 h 12 min");
  assert.equal(formatDuration(5 * 86400), "5.0 days");
  assert.equal(formatDuration(null), "n/a");
});

Deno.test("the plan prices repeats, for every experiment: R seeds cost R times one", async () => {
  const published = await loadPublished();
  for (const each of [mnistClassification, mnistSegmentation]) {
    const experiment = each as unknown as Experiment;
    const grid = experiment.grid(experiment.profiles.default);
    const cost = (repeats: number) => {
      const runs = selectRuns(grid, { repeats });
      const costs = runCosts(
        runs,
        experiment.datasetSize,
        (c) => experiment.publishedRun(published, c),
        (c) => experiment.stepModel(c).key,
      );
      return {
        runs: runs.length,
        steps: costs.reduce((s, c) => s + c.epochs * c.stepsPerEpoch, 0),
        expected: costs.reduce((s, c) => s + c.expectedEpochs * c.stepsPerEpoch, 0),
      };
    };
    const one = cost(1), five = cost(5);
    assert.equal(five.runs, 5 * one.runs, experiment.name);
    assert.equal(five.steps, 5 * one.steps, experiment.name);
    // A repeat is priced from its cell's published run, as repeat 0 is.
    assert.equal(five.expected, 5 * one.expected, experiment.name);
  }
});

Deno.test("the ETA paces each model by its own finished runs, shared among the workers", () => {
  // Two U-Net runs of 1,876 steps and two CNN runs of 18,760, on 2 workers.
  const eta = new Eta([
    { model: "unet", steps: 1876 },
    { model: "unet", steps: 1876 },
    { model: "cnn", steps: 18760 },
    { model: "cnn", steps: 18760 },
  ], 2);
  assert.equal(eta.seconds(), 0, "nothing finished: no estimate");
  eta.finished("unet", 1876, 1876, 320); // 0.17 s a step
  // The CNN has no pace of its own yet: all finished steps' pace.
  const early = 1876 * (320 / 1876) / 2 + 2 * 18760 * (320 / 1876) / 2;
  assert.ok(Math.abs(eta.seconds() - early) < 1e-6, `${eta.seconds()} vs ${early}`);
  eta.finished("cnn", 18760, 18760, 90); // 4.8 ms a step
  const later = (1876 * (320 / 1876) + 18760 * (90 / 18760)) / 2;
  assert.ok(Math.abs(eta.seconds() - later) < 1e-6, `${eta.seconds()} vs ${later}`);
  // A run that stopped early leaves its expected steps, at the pace of what it trained.
  eta.finished("cnn", 18760, 3616, 17);
  assert.ok(Math.abs(eta.seconds() - 1876 * (320 / 1876) / 2) < 1e-6);
});

Deno.test("the ETA prices a model with no finished run at its calibrated step, scaled", () => {
  // The plan timed the U-Net at 0.1 s and the CNN at 4 ms a step.
  const eta = new Eta(
    [
      { model: "unet", steps: 1876 },
      { model: "unet", steps: 1876 },
      { model: "cnn", steps: 18760 },
    ],
    2,
    { unet: 0.1, cnn: 0.004 },
  );
  // The first U-Net run went 1.7× slower than calibrated (batching, two workers):
  eta.finished("unet", 1876, 1876, 1876 * 0.17);
  const expected = (1876 * 0.17 + 18760 * 0.004 * 1.7) / 2;
  assert.ok(Math.abs(eta.seconds() - expected) < 1e-6, `${eta.seconds()} vs ${expected}`);
  // Without a calibration for the CNN: the pace of all finished steps, as before.
  const uncalibrated = new Eta([{ model: "cnn", steps: 100 }, { model: "unet", steps: 10 }], 1, {
    unet: 0.1,
  });
  uncalibrated.finished("unet", 10, 10, 2);
  assert.ok(Math.abs(uncalibrated.seconds() - 100 * 0.2) < 1e-9);
});

Deno.test("the ETA leaves out what resumed runs trained before, from both the work and the pace", () => {
  // Two 600-epoch CNN runs of 391 steps an epoch, resumed at epochs 500 and 176.
  const full = 600 * 391;
  const eta = new Eta([{ model: "cnn", steps: full }, { model: "cnn", steps: full }], 2);
  const before = [499 * 391, 175 * 391];
  for (const steps of before) eta.resumed("cnn", steps);
  // The first finishes its last 101 epochs in 808 s: 8 s an epoch.
  eta.finished("cnn", full - before[0], full - before[0], 808);
  // The other has 425 epochs left at that pace, on two workers.
  const expected = (425 * 8) / 2;
  assert.ok(Math.abs(eta.seconds() - expected) < 1e-6, `${eta.seconds()} vs ${expected}`);
});
