import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertJsonSafe } from "./_assert.ts";
import { probeBackendNumerics } from "../analysis.ts";

Deno.test(
  name("the numerics probe is well-formed and records this backend's pow(0, −½)"),
  async () => {
    const before = tf.memory().numTensors;
    const probe = await probeBackendNumerics();
    assert.equal(tf.memory().numTensors, before, "the probe leaked tensors");
    assert.equal(probe.backend, BACKEND);
    assertJsonSafe(probe);
    // IEEE results every backend agrees on.
    assert.equal(probe.powZeroZero, 1);
    assert.equal(probe.logZero, "-Infinity");
    assert.equal(probe.zeroDivZero, "NaN");
    assert.deepEqual(probe.nanPropagates, { sum: true, mean: true, max: true });
    // The divergence the package exists for (measured, see README).
    assert.equal(probe.powZeroNegative, BACKEND === "webgpu" ? 0 : "Infinity");
    assert.equal(probe.powGradientAtZero, BACKEND === "webgpu" ? 0 : "NaN");
    // float32 σ saturates between 16 and 18 on every backend, symmetric or not.
    const { target1, target0 } = probe.sigmoidSaturation;
    assert.ok(target1 > 16 && target1 < 18, `σ(x) = 1 from x = ${target1}`);
    assert.ok(target0 < -16 && target0 > -18, `1 − σ(x) = 1 up to x = ${target0}`);
  },
);
