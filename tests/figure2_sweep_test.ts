import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { assertJsonSafe } from "./_assert.ts";
import { figure2Sweep } from "../analysis.ts";

Deno.test(
  name("Figure 2: 'none' is NaN for 0 < γ < 1 only; 'epsilon' and 'exact' never"),
  async () => {
    const before = tf.memory().numTensors;
    const data = await figure2Sweep({
      gammas: [0, 0.1, 0.5, 0.9, 1, 2],
      modes: ["none", "epsilon", "exact"],
    });
    assert.equal(tf.memory().numTensors, before, "the sweep leaked tensors");
    assert.equal(data.backend, BACKEND);
    assert.equal(data.logits.length, 1521);
    for (const s of data.series) {
      const unstable = s.gamma > 0 && s.gamma < 1 && s.mode === "none";
      assert.equal(s.nonFinite.length > 0, unstable, `${s.mode} γ=${s.gamma} t=${s.target}`);
      // The NaN region is at the saturated end only: x ≥ 16.6 (t = 1), x ≤ −17.3 (t = 0).
      for (const i of s.nonFinite) {
        const x = data.logits[i];
        assert.ok(s.target === 1 ? x > 16.6 : x < -17.3, `${s.mode} γ=${s.gamma}: NaN at ${x}`);
      }
    }
    assertJsonSafe(data);
  },
);

Deno.test(name("Figure 2: the naive composition NaNs on cpu and wasm, not on webgpu"), async () => {
  // The cross-backend finding: tf.pow's gradient at base 0 is NaN on cpu and
  // wasm (even for γ = 0, where PyTorch's is 0), while webgpu computes
  // pow(0, −0.5) = 0 and silently returns finite (wrong) gradients.
  const data = await figure2Sweep({ gammas: [0, 0.5, 2], modes: ["naive"] });
  for (const s of data.series) {
    const expectNaN = BACKEND !== "webgpu" && s.gamma < 1;
    assert.equal(s.nonFinite.length > 0, expectNaN, `naive γ=${s.gamma} t=${s.target}`);
  }
});
