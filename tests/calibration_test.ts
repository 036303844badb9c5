import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { planExperiment } from "../experiments/_calibration.ts";
import { mnistClassification } from "../experiments/mnist_classification/experiment.ts";

Deno.test(
  name("the smoke plan: steps counted, the CNN timed here, wall time from both"),
  async () => {
    const calibrated = new Map<string, number>();
    const plan = await planExperiment(mnistClassification, {
      profile: "smoke",
      shard: [1, 2],
      workers: 2,
      calibrate: true,
      calibrated,
      unavailable: null,
    });
    // Shard 1 of 2 of the smoke grid: 8 of 16 runs, 2 epochs of 256 images in batches of 64.
    assert.equal(plan.runs, 8);
    assert.deepEqual(plan.steps, { upper: 8 * 2 * 4, expected: 8 * 2 * 4 });
    const [[key, seconds]] = Object.entries(plan.secondsPerStep);
    assert.equal(key, "binary-cnn-a4, batch 64");
    assert.ok(seconds !== null && seconds > 0 && seconds < 60, `${seconds} s per step`);
    assert.equal(calibrated.get(key), seconds, "shared with later plans");
    assert.ok(Math.abs(plan.wallSeconds.upper! - (64 * seconds) / 2) < 1e-9);
    const uncalibrated = await planExperiment(mnistClassification, {
      profile: "smoke",
      shard: [1, 1],
      workers: 1,
      calibrate: false,
      unavailable: null,
    });
    assert.deepEqual(uncalibrated.wallSeconds, { upper: null, expected: null });
  },
);
