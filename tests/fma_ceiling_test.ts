import assert from "node:assert/strict";
import {
  FMA_LOOP_MULTIPLY_ADDS,
  fmaCeiling,
  fmaLoop,
  fmaLoopModule,
} from "../bench/_fma_ceiling.ts";

Deno.test("the FMA ceiling's loop: a valid module whose every iteration adds x·y to 12 accumulators", () => {
  assert.ok(WebAssembly.validate(fmaLoopModule() as BufferSource));
  const run = fmaLoop();
  // Lane 0 of the 12 accumulators' sum, each x·y = 1 a time: 12 a iteration.
  for (const n of [1, 2, 1000, 65_537]) assert.equal(run(n), 12 * n);
  assert.equal(FMA_LOOP_MULTIPLY_ADDS, 48);
});

Deno.test("the FMA ceiling: a finite, positive rate on one worker and on two", async () => {
  for (const threads of [1, 2]) {
    const rate = await fmaCeiling(threads, 2 ** 12);
    assert.ok(Number.isFinite(rate) && rate > 0, `${threads} thread(s): ${rate}`);
  }
});
