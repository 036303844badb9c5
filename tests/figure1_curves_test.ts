import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { assertClose, assertJsonSafe } from "./_assert.ts";
import { dBackground, dForeground } from "./_reference.ts";
import { figure1Curves, PAPER_GAMMAS } from "../analysis.ts";

Deno.test(name("Figure 1: undefined exactly where Eq. (8), (9) say, for every 0 < γ < 1"), () => {
  const { p, series } = figure1Curves({ gammas: [...PAPER_GAMMAS], points: 101 });
  assert.equal(p[0], 0);
  assert.equal(p[100], 1);
  for (const s of series) {
    const unstable = s.gamma > 0 && s.gamma < 1;
    assert.deepEqual(s.undefinedForeground, unstable ? [1] : [], `γ=${s.gamma} foreground`);
    assert.deepEqual(s.undefinedBackground, unstable ? [0] : [], `γ=${s.gamma} background`);
    if (unstable) {
      assert.equal(s.foregroundGradient[100], null);
      assert.equal(s.backgroundGradient[0], null);
    }
    // Inside (0, 1) everything is defined and equals Eq. (4), (5).
    for (let i = 1; i < 100; i++) {
      assertClose([s.foregroundGradient[i]!], [dForeground(p[i], s.gamma, 0.5)], { rtol: 1e-12 });
      assertClose([s.backgroundGradient[i]!], [dBackground(p[i], s.gamma, 0.5)], { rtol: 1e-12 });
    }
  }
});

Deno.test(name("Figure 1 with ε > 0: no undefined point for γ ≥ 0.1 (Eq. (12), (13))"), () => {
  for (const epsilon of [1e-6, 1e-3]) {
    const { series } = figure1Curves({ gammas: PAPER_GAMMAS.filter((g) => g >= 0.1), epsilon });
    for (const s of series) {
      assert.deepEqual([...s.undefinedForeground, ...s.undefinedBackground], [], `γ=${s.gamma}`);
      // At the singular end, Eq. (16): −α_t·√ε at γ = 0.5, finite in general.
      assert.ok(s.foregroundGradient.at(-1) !== null && s.backgroundGradient[0] !== null);
    }
  }
  const half = figure1Curves({ gammas: [0.5], epsilon: 1e-3 }).series[0];
  assertClose([half.foregroundGradient.at(-1)!], [-0.5 * Math.sqrt(1e-3)], { rtol: 1e-12 });
  assertClose([half.backgroundGradient[0]!], [0.5 * Math.sqrt(1e-3)], { rtol: 1e-12 });
});

Deno.test(name("figure1Curves refuses bad options and is JSON-serializable"), () => {
  assert.throws(() => figure1Curves({ points: 1 }), /'points' must be an integer >= 2: received 1/);
  assert.throws(() => figure1Curves({ alphaT: 2 }), /'alphaT' must be in \[0, 1\]: received 2/);
  assert.throws(() => figure1Curves({ epsilon: -1 }), /'epsilon' must be a finite number >= 0/);
  assert.throws(() => figure1Curves({ gammas: [-1] }), /'gammas' must be finite numbers >= 0/);
  const data = figure1Curves({ gammas: [0.5] });
  assertJsonSafe(data);
});
