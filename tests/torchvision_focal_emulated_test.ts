import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { decode } from "./_assert.ts";
import { NOT_CPU_PASS, PRECISION_FIXTURES } from "./_precision.ts";
import { torchvisionFocalEmulated } from "../lib/precision/torchvision_focal_emulated.ts";

const { start, stop, count, alpha } = PRECISION_FIXTURES.grid;
/** torch.linspace(-38, 38, 1521) in float32. */
const GRID = Array.from(
  { length: count },
  (_, i) => Math.fround(start + (i * (stop - start)) / (count - 1)),
);

Deno.test({
  name: name(
    "torchvision's focal loss emulated: PyTorch's NaN masks on Figure 2's grid, bit for bit, in bfloat16 and float32",
  ),
  ignore: NOT_CPU_PASS,
  fn() {
    let checked = 0;
    for (const m of PRECISION_FIXTURES.masks) {
      const params = { alpha, gamma: m.gamma, epsilon: m.epsilon, precision: m.precision };
      const mask = GRID.map((x) =>
        Number.isFinite(torchvisionFocalEmulated(x, m.target, params).grad) ? "0" : "1"
      ).join("");
      assert.equal(
        mask,
        m.nonFinite,
        `${m.function} ${m.precision} ε=${m.epsilon} γ=${m.gamma} t=${m.target}`,
      );
      checked++;
    }
    assert.equal(checked, 2 * 5 * 15 * 2);
    // The masks the claim rests on: bfloat16's instability starts at |x| ≈ 6.25.
    const bf16 = PRECISION_FIXTURES.masks.find((m) =>
      m.precision === "bfloat16" && m.epsilon === 0 && m.gamma === 0.5 && m.target === 1
    )!;
    assert.equal(GRID[bf16.nonFinite.indexOf("1")], Math.fround(6.25));
  },
});

Deno.test({
  name: name("torchvision's focal loss emulated: PyTorch's bfloat16 gradients, bit for bit"),
  ignore: NOT_CPU_PASS,
  fn() {
    let compared = 0;
    for (const m of PRECISION_FIXTURES.masks) {
      if (m.grad === null || m.precision !== "bfloat16") continue;
      const expected = decode(m.grad);
      const params = { alpha, gamma: m.gamma, epsilon: m.epsilon, precision: m.precision };
      GRID.forEach((x, i) => {
        const got = torchvisionFocalEmulated(x, m.target, params).grad;
        assert.ok(
          Object.is(got, expected[i]),
          `ε=${m.epsilon} γ=${m.gamma} t=${m.target} x=${x}: ${got} vs ${expected[i]}`,
        );
        compared++;
      });
    }
    assert.equal(compared, 5 * 2 * 2 * count);
  },
});
