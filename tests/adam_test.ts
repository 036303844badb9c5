import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { trainWith } from "./_optimizer.ts";
import { createAdam } from "../lib/train/adam.ts";
import { ADAM_KERNEL } from "../lib/kernels/training/adam_wasm.ts";

Deno.test(name("createAdam computes tf.train.adam's numbers, bit for bit"), async () => {
  const ours = await trainWith(createAdam(1e-3), "ours", 40);
  const theirs = await trainWith(tf.train.adam(1e-3), "tfjs", 40);
  // On wasm the update is our one kernel; elsewhere it is tfjs's own.
  assert.equal(ours.kernels.includes(ADAM_KERNEL), BACKEND === "wasm", ours.kernels.join());
  assert.deepEqual(ours.values, theirs.values);
  // The state (iterations, first and second moments) is saved the same way.
  assert.equal(ours.weights.length, 5);
  assert.deepEqual(ours.weights, theirs.weights);
});
