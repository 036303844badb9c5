import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { read } from "./_assert.ts";
import {
  SHARE_FROM_ELEMENTS,
  withIdentityByReference,
} from "../lib/kernels/runtime/identity_wasm.ts";
import { sigmoidFocalLoss } from "../mod.ts";

Deno.test(name("clones share data safely: each lives on after the other is disposed"), async () => {
  const before = tf.memory().numTensors;
  const x = tf.tensor1d([1, 2, 3, 4]);
  const copy = withIdentityByReference(() => tf.clone(x));
  x.dispose();
  assert.deepEqual(Array.from(await read(copy)), [1, 2, 3, 4]);
  const again = withIdentityByReference(() => tf.clone(copy));
  copy.dispose();
  assert.deepEqual(Array.from(await read(again)), [1, 2, 3, 4]);
  again.dispose();
  assert.equal(tf.memory().numTensors, before);
  if (BACKEND === "wasm") {
    // The backend holds no data for disposed tensors (its reference count reached 0).
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const y = tf.tensor1d([5, 6]);
    const z = withIdentityByReference(() => tf.clone(y));
    assert.equal(backend.numDataIds(), ids + 1, "a clone shares its source's data");
    tf.dispose([y, z]);
    assert.equal(backend.numDataIds(), ids);
  }
});

Deno.test(name("nothing else changes: after a loss, tfjs's own Identity is back"), () => {
  const identity = tf.getKernel("Identity", tf.getBackend())?.kernelFunc;
  // Large enough for the losses to share their saved tensors (SHARE_FROM_ELEMENTS).
  const x = tf.randomNormal([SHARE_FROM_ELEMENTS], 0, 10, "float32", 3);
  const t = tf.randomUniform([SHARE_FROM_ELEMENTS], 0, 1, "float32", 4).round();
  const g = tf.grad((z: tf.Tensor) => sigmoidFocalLoss(z, t, { gamma: 0.5, reduction: "sum" }))(x);
  assert.equal(tf.getKernel("Identity", tf.getBackend())?.kernelFunc, identity);
  if (BACKEND === "wasm") {
    // Outside the losses, a clone copies its data, as tfjs's wasm backend does.
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const copy = tf.clone(x);
    assert.equal(backend.numDataIds(), ids + 1);
    const inside = withIdentityByReference(() => tf.clone(x));
    assert.equal(backend.numDataIds(), ids + 1, "inside the scope a clone shares");
    tf.dispose([copy, inside]);
  }
  tf.dispose([x, t, g]);
});
