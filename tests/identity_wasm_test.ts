import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { read } from "./_assert.ts";
import { useIdentityByReference } from "../lib/kernels/runtime/identity_wasm.ts";

Deno.test(name("clones share data safely: each lives on after the other is disposed"), async () => {
  useIdentityByReference();
  const before = tf.memory().numTensors;
  const x = tf.tensor1d([1, 2, 3, 4]);
  const copy = tf.clone(x);
  x.dispose();
  assert.deepEqual(Array.from(await read(copy)), [1, 2, 3, 4]);
  const again = tf.clone(copy);
  copy.dispose();
  assert.deepEqual(Array.from(await read(again)), [1, 2, 3, 4]);
  again.dispose();
  assert.equal(tf.memory().numTensors, before);
  if (BACKEND === "wasm") {
    // The backend holds no data for disposed tensors (its reference count reached 0).
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const y = tf.tensor1d([5, 6]);
    const z = tf.clone(y);
    assert.equal(backend.numDataIds(), ids + 1, "a clone shares its source's data");
    tf.dispose([y, z]);
    assert.equal(backend.numDataIds(), ids);
  }
});
