import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { loadMnist } from "../lib/data/mnist.ts";
import { binarize, classCounts, TABLE1_THRESHOLDS } from "../lib/data/binary_mnist.ts";

// Table 1 of the paper: samples of class A (digits ≤ threshold) and class B.
const TABLE_1: [number, number][] = [
  [5923, 54077],
  [12665, 47335],
  [18623, 41377],
  [24754, 35246],
  [30596, 29404],
  [36017, 23983],
  [41935, 18065],
  [48200, 11800],
  [54051, 5949],
];

Deno.test(name("binarized real MNIST has exactly Table 1's class counts"), async () => {
  const { labels } = await loadMnist("train", { url: "" });
  for (const threshold of TABLE1_THRESHOLDS) {
    const { a, b, ratio } = classCounts(labels, threshold);
    assert.deepEqual([a, b], TABLE_1[threshold], `threshold ${threshold}`);
    assert.equal(ratio.toFixed(2), (TABLE_1[threshold][0] / TABLE_1[threshold][1]).toFixed(2));
  }
  assert.deepEqual(Array.from(binarize(Uint8Array.of(0, 3, 4, 9), 3)), [1, 1, 0, 0]);
  assert.throws(
    () => binarize(labels, 9),
    /'threshold' must be an integer in \[0, 8\]: received 9/,
  );
});
