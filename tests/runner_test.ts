import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { validateRecord } from "./_schema.ts";
import { runWith } from "./_runs.ts";
import type { Experiment, GridRun } from "../experiments/_experiment.ts";
import { mnistClassification } from "../experiments/mnist_classification/experiment.ts";
import {
  type MnistProfile,
  PROFILES,
  runGrid,
} from "../experiments/mnist_classification/profiles.ts";
import type { MnistSplit } from "../lib/data/mnist.ts";

/** A profile of full-set runs (stackable): two thresholds, one unstable γ, two noise levels. */
const STACKABLE: MnistProfile = {
  ...PROFILES.smoke,
  thresholds: [0, 4],
  stableGammas: [],
  unstableGammas: [0.5],
  noise: ["none", "high"],
  epochs: 2,
  trainSamples: null,
};

/** 96 synthetic 28x28 "digits": labels 0-9, brighter for larger labels. */
function fakeMnist(): MnistSplit {
  const count = 96;
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 7) % 10);
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 784; p++) images[i * 784 + p] = ((labels[i] * 25 + p * 13) % 256) >>> 0;
  }
  return { images, labels, count, rows: 28, cols: 28, source: "test" };
}

/** The MNIST experiment on synthetic data, counting its stacked programs. */
function onFakeData(calls: GridRun[][]): Experiment<MnistProfile, MnistSplit> {
  return {
    ...mnistClassification,
    prepare: () => Promise.resolve(fakeMnist()),
    stack(context, runs, seed) {
      calls.push(runs);
      return mnistClassification.stack!(context, runs, seed);
    },
  };
}

// Not on cpu: its stacked CNN takes 2.5 minutes here (the stacked path is for GPUs).
Deno.test({
  name: name("stacked runs: one program per noise level, schema-valid records that say stacked"),
  ignore: BACKEND === "cpu",
  async fn() {
    const before = tf.memory().numTensors;
    const out = await Deno.makeTempDir({ prefix: "focal-stacked-" });
    const calls: GridRun[][] = [];
    const options = { out, seed: 0, stacked: true };
    const records = await runWith(onFakeData(calls), STACKABLE, options);
    assert.equal(records.length, runGrid(STACKABLE).length);
    // Two noise levels, four runs each (two thresholds × original, stabilized).
    assert.deepEqual(calls.map((g) => g.length), [4, 4]);
    assert.deepEqual(
      calls.map((g) => new Set(g.map((r) => r.config.noise)).size),
      [1, 1],
    );
    for (const r of records) {
      assert.ok(validateRecord(r), JSON.stringify(validateRecord.errors));
      assert.equal(r.config.stacked, true);
      assert.equal(r.completedEpochs + (r.status === "nan" ? 1 : 0) <= 2, true);
      if (r.status === "completed") assert.ok(r.epochLosses.every(Number.isFinite));
      if (r.config.stabilization === "epsilon") assert.equal(r.status, "completed", r.runId);
    }
    // A program's runs share its start and end.
    const noneStarts = new Set(
      records.filter((r) => r.config.noise === "none").map((r) => r.provenance.startedAt),
    );
    assert.equal(noneStarts.size, 1);
    // Deterministic: a second folder gets the same outcomes.
    const again = await runWith(onFakeData([]), STACKABLE, {
      ...options,
      out: await Deno.makeTempDir({ prefix: "focal-stacked-" }),
    });
    assert.deepEqual(
      again.map(({ status, nanEpoch, nanStep, epochLosses }) => ({
        status,
        nanEpoch,
        nanStep,
        epochLosses,
      })),
      records.map(({ status, nanEpoch, nanStep, epochLosses }) => ({
        status,
        nanEpoch,
        nanStep,
        epochLosses,
      })),
    );
    // Resuming that folder unstacked is refused: the configs differ.
    await assert.rejects(
      () => runWith(onFakeData([]), STACKABLE, { ...options, stacked: false }),
      RangeError,
    );
    assert.equal(tf.memory().numTensors, before, "leaked tensors");
  },
});

Deno.test(name("runs on a sampled subset are never stacked: they train alone"), () => {
  const run = runGrid(PROFILES.smoke)[0];
  assert.notEqual(run.config.trainSamples, null);
  assert.equal(mnistClassification.stackKey!(run.config), null);
  const full = runGrid(STACKABLE);
  const keys = new Set(full.map((r) => mnistClassification.stackKey!(r.config)));
  assert.equal(keys.size, 2, "one key per noise level");
  // The stack trains with SGD: Adam runs train alone.
  const adam = { ...full[0].config, optimizer: "adam" as const };
  assert.equal(mnistClassification.stackKey!(adam), null);
});
