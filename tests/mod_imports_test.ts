import assert from "node:assert/strict";
import { importGraph } from "./_imports.ts";

/** Lines of code that use the Deno namespace, comments left out. */
function denoUses(source: string): string[] {
  return source.split("\n").filter((line) => {
    const code = line.replace(/\/\/.*$/, "").trim();
    return !code.startsWith("*") && !code.startsWith("/*") && /\bDeno\./.test(code);
  });
}

Deno.test("mod.ts reaches no node: module and no Deno API: it loads in a browser", async () => {
  const { files, external } = await importGraph(new URL("../mod.ts", import.meta.url));
  assert.ok(files.length > 20, `only ${files.length} files reached: the walk is broken`);
  assert.deepEqual([...external].filter((s) => s.startsWith("node:")), []);
  assert.deepEqual([...external].sort(), ["@tensorflow/tfjs"]);
  for (const file of files) {
    assert.deepEqual(denoUses(await Deno.readTextFile(file)), [], file.pathname);
  }
});

/** Lines of code that need what Node.js 20 lacks: Math.f16round, Float16Array. */
function halfFloatUses(source: string): string[] {
  return source.split("\n").filter((line) => {
    const code = line.replace(/\/\/.*$/, "").trim();
    return !code.startsWith("*") && /\bf16round\b|\bFloat16Array\b/.test(code);
  });
}

Deno.test("mod.ts reaches neither Math.f16round nor Float16Array (Node.js 20 has neither)", async () => {
  const { files } = await importGraph(new URL("../mod.ts", import.meta.url));
  for (const file of files) {
    assert.deepEqual(halfFloatUses(await Deno.readTextFile(file)), [], file.pathname);
  }
  // The check can fail: the emulation, outside mod.ts, does use f16round.
  const emulation = new URL("../lib/precision/round_to_precision.ts", import.meta.url);
  assert.notDeepEqual(halfFloatUses(await Deno.readTextFile(emulation)), []);
});

Deno.test("threads.ts is where node:worker_threads lives", async () => {
  const { external } = await importGraph(new URL("../threads.ts", import.meta.url));
  assert.ok(external.has("node:worker_threads"));
});

Deno.test("mod.ts exports only the losses and what the README documents; the tools are in analysis.ts", async () => {
  const mod = Object.keys(await import("../mod.ts")).sort();
  assert.deepEqual(mod, [
    "TVERSKY_SMOOTH",
    "adaptiveFocalGamma",
    "adaptiveFocalLoss",
    "focalLoss",
    "layersFocalLoss",
    "qualityFocalLoss",
    "sigmoidFocalLoss",
    "softmaxFocalLoss",
    "unifiedFocalLoss",
    "validateFocalInputs",
  ]);
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  for (const name of mod) assert.match(readme, new RegExp(`\\b${name}\\b`), `README names ${name}`);
  const analysis = Object.keys(await import("../analysis.ts")).sort();
  assert.deepEqual(analysis, [
    "PAPER_GAMMAS",
    "figure1Curves",
    "figure2Sweep",
    "naiveSigmoidFocalLoss",
    "naiveSoftmaxFocalLoss",
    "probeBackendNumerics",
  ]);
});
