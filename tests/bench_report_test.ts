import assert from "node:assert/strict";
import { benchSection } from "../experiments/bench_report.ts";

/** A bench folder with throughput.json (and peers.json unless `peers` is null). */
async function benchFolder(provenance: object, peers: object | null): Promise<string> {
  const out = await Deno.makeTempDir({ prefix: "focal-bench-report-" });
  await Deno.mkdir(`${out}/bench`);
  const row = (variant: string, elementsPerSecond: number, baseline = false) => ({
    backend: "wasm",
    loss: "sigmoidFocalLoss",
    elements: 4096,
    variant,
    baseline,
    iterations: 10,
    meanNs: 4096 / elementsPerSecond * 1e9,
    minNs: 1,
    elementsPerSecond,
  });
  await Deno.writeTextFile(
    `${out}/bench/throughput.json`,
    JSON.stringify({ provenance, rows: [row("naive", 5e7, true), row("exact", 2e8)] }),
  );
  if (peers !== null) await Deno.writeTextFile(`${out}/bench/peers.json`, JSON.stringify(peers));
  return out;
}

const PROVENANCE = {
  gitCommit: "0123456789abcdef",
  createdAt: "2026-11-27T00:00:00Z",
  quick: true,
};

Deno.test("the bench section reads throughput.json and peers.json: ours against the peer", async () => {
  const out = await benchFolder(PROVENANCE, {
    threads: 2,
    torch: "1.13.0",
    torchvision: "0.14.1",
    results: [{ elements: 4096, "torchvision sigmoid_focal_loss": 1e8 }],
  });
  const section = await benchSection(out);
  assert.equal(section.verdict, "measured (not a claim of the paper)");
  assert.deepEqual(section.measured, [
    "measured at commit 0123456789ab on 2026-11-27T00:00:00Z (quick mode)",
    "sigmoidFocalLoss, 4096 elements: PyTorch 1.13.0 (2 threads), torchvision sigmoid_focal_loss: " +
    "100 M/s; best exact here: 200 M/s (wasm, exact) = **2.00×** the peer.",
  ]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("the bench section: no peer, incidence only (and the older analysis only), no bench", async () => {
  const noPeer = await benchFolder(PROVENANCE, null);
  assert.equal((await benchSection(noPeer)).measured.length, 1);
  const incidence = await benchFolder({ ...PROVENANCE, incidenceOnly: true }, null);
  assert.equal((await benchSection(incidence)).verdict, "not run");
  assert.match((await benchSection(incidence)).measured.join(), /--bench incidence/);
  const analysis = await benchFolder({ ...PROVENANCE, analysisOnly: true }, null);
  assert.equal((await benchSection(analysis)).verdict, "not run");
  const empty = await Deno.makeTempDir();
  assert.equal((await benchSection(empty)).verdict, "not run");
  for (const dir of [noPeer, incidence, analysis, empty]) {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the bench summary has a NaN-incidence row per precision", async () => {
  const { summarize } = await import("../lib/results/bench_summary.ts");
  const row = (precision: string, backend: string, mode: string, share: number) => ({
    loss: "sigmoid",
    implementation: "focal-stability",
    precision,
    backend,
    mode,
    epsilon: 0,
    gamma: 0.5,
    nonFiniteShare: share,
    nonFiniteBelow: null,
    nonFiniteAbove: null,
  });
  const text = summarize([], [], null, [
    row("float32", "cpu", "none", 0.28),
    row("float16", "webgl", "none", 0.4),
    row("float16", "webgl", "exact", 0),
  ]);
  assert.match(text, /\| ours · cpu · float32 \| 28\.0% \|/);
  assert.match(text, /\| ours · webgl · float16 \| 40\.0% \| 0\.0% \|/);
  assert.match(text, /they time nothing/);
});
