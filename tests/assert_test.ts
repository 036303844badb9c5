import assert from "node:assert/strict";
import { assertClose } from "./_assert.ts";

Deno.test("assertClose: within the bound, NaN for NaN, and ±Infinity only for itself", () => {
  assertClose([1.000001, NaN, Infinity, -Infinity], [1, NaN, Infinity, -Infinity], { rtol: 1e-5 });
  assert.throws(() => assertClose([1.1], [1], { rtol: 1e-5 }), /expected 1, received 1.1/);
  assert.throws(() => assertClose([0], [NaN], { rtol: 1 }), /expected NaN/);
  assert.throws(() => assertClose([-Infinity], [Infinity], { rtol: 1 }), /expected Infinity/);
  assert.throws(() => assertClose([1e308], [Infinity], { rtol: 1 }), /expected Infinity/);
  assert.throws(() => assertClose([1, 2], [1], { rtol: 1 }), /length/);
});
