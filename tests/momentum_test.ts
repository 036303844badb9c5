import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { trainWith } from "./_optimizer.ts";
import { createMomentum } from "../lib/train/momentum.ts";
import { MOMENTUM_KERNEL } from "../lib/kernels/training/momentum_wasm.ts";

Deno.test(name("createMomentum computes tf.train.momentum's numbers, bit for bit"), async () => {
  const ours = await trainWith(createMomentum(1e-3, 0.9), "ours", 40);
  const theirs = await trainWith(tf.train.momentum(1e-3, 0.9), "tfjs", 40);
  // On wasm the update is our one kernel; elsewhere it is tfjs's own.
  assert.equal(ours.kernels.includes(MOMENTUM_KERNEL), BACKEND === "wasm", ours.kernels.join());
  assert.deepEqual(ours.values, theirs.values);
  // The state (iterations, one accumulation per variable) is saved the same way.
  assert.equal(ours.weights.length, 3);
  assert.deepEqual(ours.weights, theirs.weights);
});

Deno.test(name("createMomentum is PyTorch's SGD update: v = μv + g, θ = θ − lr·v"), async () => {
  const theta = tf.variable(tf.tensor1d([1, -2, 3, 0.5, 7]), true, "momentum-torch");
  const optimizer = createMomentum(0.1, 0.9);
  const g = tf.tensor1d([1, 1, -1, 0, 2]);
  // Two steps by hand in float32: v1 = g, θ1 = θ − 0.1·g; v2 = 0.9·g + g, θ2 = θ1 − 0.1·v2.
  const f = Math.fround;
  const expected = [1, -2, 3, 0.5, 7].map((t, i) => {
    const gi = [1, 1, -1, 0, 2][i];
    const v1 = gi;
    const t1 = f(f(f(-0.1) * v1) + t);
    const v2 = f(f(v1 * f(0.9)) + gi);
    return f(f(f(-0.1) * v2) + t1);
  });
  optimizer.applyGradients([{ name: theta.name, tensor: g }]);
  optimizer.applyGradients([{ name: theta.name, tensor: g }]);
  assert.deepEqual(Array.from(await theta.data()), expected);
  tf.dispose([theta, g]);
  optimizer.dispose();
});

Deno.test(
  name("dispose frees every tensor the optimizer made (tfjs's leaves its -lr scalar)"),
  () => {
    const before = tf.memory().numTensors;
    const theta = tf.tidy(() => tf.variable(tf.tensor1d([1, 2]), true, "momentum-dispose"));
    const optimizer = createMomentum(0.1, 0.9);
    tf.tidy(() => optimizer.applyGradients([{ name: theta.name, tensor: tf.tensor1d([1, 1]) }]));
    optimizer.dispose();
    theta.dispose();
    assert.equal(tf.memory().numTensors, before);
    // tfjs's own optimizer leaks one tensor per instance, the one ours frees.
    const theirs = tf.train.momentum(0.1, 0.9);
    theirs.dispose();
    assert.equal(tf.memory().numTensors, before + 1);
  },
);
