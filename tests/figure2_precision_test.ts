import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { NOT_CPU_PASS, onEmulated } from "./_precision.ts";
import {
  figure2PrecisionRows,
  type PrecisionRow,
  smallestFiniteEpsilon,
  torchvisionPrecisionRows,
} from "../lib/analysis/figure2_precision.ts";
import { MAX_FINITE } from "../lib/precision/round_to_precision.ts";

/**
 * The exact mode's measured error bounds, in ulps of the gradient where it
 * is away from 0 (README, "Precision and backends"); 'soft, β < 1' is next
 * to Quality's cusp, where any half-precision composition of |t − σ(x)|
 * has an O(1) relative error.
 */
const ULP_BOUND = {
  float16: { hard: 8, soft: 16, softCusp: 256, nearZero: 1e-4 },
  bfloat16: { hard: 8, soft: 16, softCusp: 64, nearZero: 1e-3 },
};

function bound(row: PrecisionRow, precision: "float16" | "bfloat16"): number {
  const b = ULP_BOUND[precision];
  if (row.quality === null) return b.hard;
  return row.gamma > 0 && row.gamma < 1 ? b.softCusp : b.soft;
}

for (
  const [precision, overflow] of [
    ["float16", "infinity"],
    ["float16", "nan"],
    ["bfloat16", "infinity"],
  ] as const
) {
  Deno.test({
    name: name(
      `${precision} (overflow to ${overflow}): 'exact' is finite on Figure 2's grid for every loss and γ, within its ulp bound`,
    ),
    ignore: NOT_CPU_PASS,
    async fn() {
      const rows = await onEmulated(precision, async () => {
        const before = tf.memory().numTensors;
        const rows = await figure2PrecisionRows({ precision, modes: ["exact"] });
        assert.equal(tf.memory().numTensors, before, "leaked tensors");
        return rows;
      }, overflow);
      assert.equal(rows.length, 15 * (2 + 2 + 3));
      for (const r of rows) {
        const what = `${r.loss} γ=${r.gamma} t=${r.target}`;
        assert.equal(r.nonFiniteShare, 0, `${what}: non-finite gradient`);
        assert.equal(r.nonFiniteLossShare, 0, `${what}: non-finite loss`);
        assert.ok(r.maxUlpError <= bound(r, precision), `${what}: ${r.maxUlpError} ulps`);
        assert.ok(r.maxAbsoluteErrorNearZero <= ULP_BOUND[precision].nearZero, what);
      }
    },
  });
}

Deno.test({
  name: name(
    "float16: 'none' is NaN from |x| ≈ 8 (not 17), 'epsilon' only where ε < 65504^(−1/(1−γ))",
  ),
  ignore: NOT_CPU_PASS,
  async fn() {
    const gammas = [0.1, 0.5, 2];
    const epsilons = [1e-6, 1e-3];
    for (const overflow of ["infinity", "nan"] as const) {
      const rows = await onEmulated(
        "float16",
        () =>
          figure2PrecisionRows({
            precision: "float16",
            modes: ["none", "epsilon"],
            gammas,
            epsilons,
          }),
        overflow,
      );
      for (const r of rows) {
        const what = `${overflow}: ${r.loss} ${r.mode} ε=${r.epsilon} γ=${r.gamma} t=${r.target}`;
        const unstable = r.gamma > 0 && r.gamma < 1 &&
          (r.mode === "none" || r.epsilon < smallestFiniteEpsilon(r.gamma, MAX_FINITE.float16));
        // Quality's soft target 0.75 meets its NaN only where σ(x) rounds to 0.75.
        assert.equal(r.nonFiniteShare > 0, unstable, what);
        if (r.loss === "sigmoid" && unstable) {
          // 1 + e^(−x) rounds to 1 from x = 7.62 on; 1 − (1 − p) to 0 from −8.32.
          assert.equal(
            r.target === 1 ? r.nonFiniteAbove : r.nonFiniteBelow,
            r.target === 1 ? 7.65 : -8.35,
            what,
          );
        }
      }
    }
  },
});

Deno.test({
  name: name(
    "torchvision in bfloat16 is NaN from |x| = 6.25 on 42% of the grid; Appendix A.3's ε keeps it finite",
  ),
  ignore: NOT_CPU_PASS,
  fn() {
    const rows = torchvisionPrecisionRows("bfloat16", { gammas: [0.1, 0.5, 0.9] });
    for (const r of rows) {
      if (r.mode === "epsilon") {
        assert.equal(r.nonFiniteShare, 0, `ε=${r.epsilon} γ=${r.gamma}`);
        continue;
      }
      assert.ok(Math.abs(r.nonFiniteShare - 0.418) < 1e-3, `γ=${r.gamma}: ${r.nonFiniteShare}`);
      assert.equal(r.target === 1 ? r.nonFiniteAbove : -r.nonFiniteBelow!, 6.25);
    }
    assert.equal(smallestFiniteEpsilon(0.5, 4), 1 / 16);
    assert.equal(smallestFiniteEpsilon(2, 4), 0);
  },
});
