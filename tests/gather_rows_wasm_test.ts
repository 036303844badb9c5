import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertNoLeak, read } from "./_assert.ts";
import { GATHER_ROWS_KERNEL, gatherRows } from "../lib/kernels/training/gather_rows_wasm.ts";

Deno.test(name("gatherRows equals tf.gather along axis 0"), async () => {
  const images = tf.randomUniform([50, 28, 28, 1], 0, 1, "float32", 1);
  const labels = tf.range(100, 150, 1, "int32");
  // Shuffled, repeated, first and last rows, and an empty selection.
  for (
    const indices of [
      [3, 49, 0, 3, 17, 49, 25],
      [0],
      [],
      Array.from({ length: 50 }, (_, i) => 49 - i),
    ]
  ) {
    const index = Int32Array.from(indices);
    for (const x of [images, labels]) {
      const profile = await tf.profile(() => tf.dispose(gatherRows(x, index)));
      // On wasm the rows are copied by our kernel; elsewhere tf.gather runs.
      assert.equal(profile.kernelNames.includes(GATHER_ROWS_KERNEL), BACKEND === "wasm");
      const ours = gatherRows(x, index);
      const theirs = tf.gather(x, tf.tensor1d(index, "int32"));
      assert.deepEqual(ours.shape, theirs.shape);
      assert.equal(ours.dtype, x.dtype);
      assert.deepEqual(await read(ours), await read(theirs));
      tf.dispose([ours, theirs]);
    }
  }
  assertNoLeak(() => tf.dispose(gatherRows(images, Int32Array.of(1, 2))), "gatherRows");
  if (BACKEND === "wasm") {
    assert.throws(() => gatherRows(images, Int32Array.of(2, 50)), RangeError);
    assert.throws(() => gatherRows(images, Int32Array.of(-1)), RangeError);
    assertNoLeak(
      () => assert.throws(() => gatherRows(images, Int32Array.of(50))),
      "a refused index",
    );
  }
  tf.dispose([images, labels]);
});
