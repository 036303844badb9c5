import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import {
  bfloat16Round,
  float16Round,
  MAX_FINITE,
  ulpOf,
} from "../lib/precision/round_to_precision.ts";

Deno.test(name("bfloat16Round rounds float32 bits to nearest, ties to even"), () => {
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even is 1. 1 + 3·2^-8 ties up.
  assert.equal(bfloat16Round(1 + 2 ** -8), 1);
  assert.equal(bfloat16Round(1 + 3 * 2 ** -8), 1 + 2 ** -6);
  assert.equal(bfloat16Round(1 + 2 ** -8 + 2 ** -20), 1 + 2 ** -7);
  assert.equal(bfloat16Round(0.1), 0.10009765625);
  assert.equal(bfloat16Round(-6.25), -6.25);
  assert.ok(Number.isNaN(bfloat16Round(NaN)));
  assert.equal(bfloat16Round(Infinity), Infinity);
  // Above the largest bfloat16, float32 values round to infinity.
  assert.equal(bfloat16Round(MAX_FINITE.bfloat16), MAX_FINITE.bfloat16);
  assert.equal(bfloat16Round(3.4e38), Infinity);
  // Subnormal float32 values keep their (rounded) bits.
  assert.equal(bfloat16Round(2 ** -133), 2 ** -133);
});

Deno.test(name("float16Round is IEEE binary16: overflow past 65520, subnormals to 2^-24"), () => {
  assert.equal(float16Round(65504), 65504);
  assert.equal(float16Round(65519), 65504);
  assert.equal(float16Round(65520), Infinity);
  assert.equal(float16Round(2 ** -24), 2 ** -24);
  assert.equal(float16Round(2 ** -26), 0);
  assert.equal(float16Round(0.1), 0.0999755859375);
});

Deno.test(name("ulpOf: the spacing at the value, the subnormal spacing near 0"), () => {
  assert.equal(ulpOf(1, "float16"), 2 ** -10);
  assert.equal(ulpOf(1.5, "bfloat16"), 2 ** -7);
  assert.equal(ulpOf(-3, "float32"), 2 ** -22);
  assert.equal(ulpOf(0, "float16"), 2 ** -24);
});
