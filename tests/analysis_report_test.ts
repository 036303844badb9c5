import assert from "node:assert/strict";
import { precisionSections } from "../experiments/analysis/report.ts";

Deno.test("half-precision sections: verdicts follow the rows' numbers", async () => {
  const out = await Deno.makeTempDir({ prefix: "focal-precision-report-" });
  await Deno.mkdir(`${out}/analysis`);
  const row = (over: object) => ({
    loss: "sigmoid",
    implementation: "focal-stability",
    beta: null,
    classes: null,
    quality: null,
    precision: "float16",
    backend: "cpu-emulated",
    mode: "none",
    epsilon: 0,
    gamma: 0.5,
    target: 1,
    nonFiniteShare: 0.4,
    nonFiniteLossShare: 0,
    nonFiniteBelow: null,
    nonFiniteAbove: 7.65,
    maxRelativeError: 0,
    maxUlpError: 0,
    maxAbsoluteErrorNearZero: 0,
    ...over,
  });
  const write = (rows: object[]) =>
    Deno.writeTextFile(
      `${out}/analysis/figure2_precision.json`,
      JSON.stringify({ rows, webgl: [], note: null }),
    );
  const finite = { nonFiniteShare: 0, nonFiniteAbove: null };
  const good = [
    row({}),
    row({ precision: "float32", nonFiniteAbove: 16.65 }),
    row({ mode: "epsilon", epsilon: 1e-3, ...finite }),
    row({ mode: "epsilon", epsilon: 1e-6, gamma: 0.1 }), // below 65504^(−1/0.9) = 4.5e−6
    row({ mode: "exact", ...finite, maxUlpError: 4 }),
  ];
  await write(good);
  assert.deepEqual((await precisionSections(out)).map((s) => s.verdict), [
    "agree",
    "agree",
    "agree",
  ]);
  // A float16 NaN region starting at 17, a finite ε below its bound, a NaN exact row.
  await write([
    row({ nonFiniteAbove: 17 }),
    row({ mode: "epsilon", epsilon: 1e-6, gamma: 0.1, ...finite }),
    row({ mode: "exact", nonFiniteShare: 0.01 }),
  ]);
  assert.deepEqual((await precisionSections(out)).map((s) => s.verdict), [
    "disagree",
    "disagree",
    "disagree",
  ]);
  // Finite everywhere, but 9 ulps somewhere: partly.
  await write([...good, row({ mode: "exact", ...finite, maxUlpError: 9, backend: "webgl" })]);
  assert.equal((await precisionSections(out))[2].verdict, "partly agree");
  await Deno.remove(`${out}/analysis/figure2_precision.json`);
  assert.deepEqual((await precisionSections(out)).map((s) => s.verdict), [
    "not run",
    "not run",
    "not run",
  ]);
  await Deno.remove(out, { recursive: true });
});
