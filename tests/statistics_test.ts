import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { median, ranks, spearman } from "../experiments/_statistics.ts";

Deno.test(name("median, average ranks and Spearman's ρ, against hand-computed values"), () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // Hand-computed: ranks x = [1, 2, 3, 4, 5], y = [2, 1, 4, 3, 5]: Σd² = 4, ρ = 1 − 6·4/120 = 0.8.
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])), "constant side");
  assert.throws(() => spearman([1], [1, 2]), /1 values vs 2/);
});
