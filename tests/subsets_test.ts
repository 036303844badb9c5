import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { randomSample, stratifiedSample } from "../lib/data/subsets.ts";
import { binarize } from "../lib/data/binary_mnist.ts";
import { vehicleTargets } from "../lib/data/cifar10.ts";
import { loadMnist } from "../lib/data/mnist.ts";

Deno.test(name("stratified subsets keep Table 1's class ratio"), async () => {
  const { labels } = await loadMnist("train", { url: "" });
  const subset = stratifiedSample(binarize(labels, 0), 4000, 1);
  const a = Array.from(subset).filter((i) => labels[i] <= 0).length;
  assert.equal(a, Math.round((4000 * 5923) / 60000));
  assert.equal(new Set(subset).size, 4000);
});

Deno.test(name("stratified subsets keep the vehicle/animal ratio"), () => {
  const labels = Uint8Array.from({ length: 1000 }, (_, i) => i % 10);
  const targets = vehicleTargets(labels);
  const subset = stratifiedSample(targets, 100, 3);
  assert.equal(new Set(subset).size, 100);
  assert.equal(Array.from(subset).filter((i) => targets[i] === 1).length, 40);
  assert.deepEqual(stratifiedSample(targets, null, 3), Int32Array.from(targets, (_, i) => i));
});

Deno.test(name("random subsets are seeded and distinct"), () => {
  const a = randomSample(100, 10, 4);
  assert.deepEqual(a, randomSample(100, 10, 4));
  assert.notDeepEqual(a, randomSample(100, 10, 5));
  assert.equal(new Set(a).size, 10);
  assert.equal(randomSample(5, null, 1).length, 5);
});
