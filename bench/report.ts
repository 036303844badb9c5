// The bench's sections of REPORT.md, from the JSON `deno task bench` wrote:
// Figures 1 and 2 (the analysis), the naive composition across backends,
// and the throughput against the PyTorch peers (throughput.json, peers.json).
import {
  notRun,
  pct,
  readJson,
  type Section,
  type StepRecord,
  unstable,
} from "../experiments/_sections.ts";
import { peerLines, type Peers, type ThroughputRow } from "./_summary.ts";

/** Figure 1's section, from `<out>/analysis/figure1.json`. */
export async function figure1Section(out: string): Promise<Section> {
  const title = "Figure 1: the focal loss gradient in probability space (float64)";
  const claim = "For 0 < γ < 1 the gradient of Eq. (2) is undefined at p = 1 for a foreground " +
    "sample (Eq. (8)) and at p = 0 for a background sample (Eq. (9)); for γ = 1, 2, 5 it is not.";
  const data = await readJson(`${out}/analysis/figure1.json`) as
    | { series: { gamma: number; undefinedForeground: number[]; undefinedBackground: number[] }[] }
    | null;
  if (data === null) return notRun(title, claim, "analysis/figure1.json is missing");
  const rows = data.series.map((s) =>
    `γ = ${s.gamma}: undefined at p ∈ {${s.undefinedForeground.join(", ")}} (foreground), ` +
    `{${s.undefinedBackground.join(", ")}} (background)`
  );
  const ok = data.series.every((s) =>
    unstable(s.gamma)
      ? s.undefinedForeground.includes(1) && s.undefinedBackground.includes(0)
      : !s.undefinedForeground.includes(1) && !s.undefinedBackground.includes(0)
  );
  return {
    title,
    claim,
    verdict: ok ? "agree" : "disagree",
    measured: rows,
    links: ["analysis/figure1.json", "figures/figure1.svg"],
  };
}

interface IncidenceRow {
  variant: string;
  stabilization: string;
  epsilon: number;
  figure2Grid: number;
  gammasWithNaN: number[];
  sigmoidSaturatedBatch: number;
  softmaxSaturatedBatch: number;
}

/** Figure 2's section and the naive composition across backends, from nan_incidence.json. */
export async function figure2Sections(out: string): Promise<Section[]> {
  const title = "Figure 2: the gradient with respect to the logit, through tfjs (float32)";
  const claim = "In float32 the sigmoid saturates (p_t rounds to 1), so the original loss's " +
    "gradient is NaN for large |logit| for every 0 < γ < 1; with ε > 0 (Eq. (11)) it is finite.";
  const data = await readJson(`${out}/bench/nan_incidence.json`) as
    | { backends: { backend: string; rows: IncidenceRow[] }[] }
    | null;
  if (data === null) return [notRun(title, claim, "bench/nan_incidence.json is missing")];
  const measured: string[] = [];
  let ok = true;
  for (const { backend, rows } of data.backends) {
    const none = rows.find((r) => r.stabilization === "none");
    const eps = rows.filter((r) => r.stabilization === "epsilon" && r.epsilon > 0);
    const exact = rows.find((r) => r.stabilization === "exact");
    if (none) {
      measured.push(
        `${backend}: original ("none") non-finite on ${pct(none.figure2Grid)} of the grid, ` +
          `for γ ∈ {${none.gammasWithNaN.join(", ")}}; ε > 0: ${
            eps.map((r) => pct(r.figure2Grid)).join(", ")
          }; exact: ${exact ? pct(exact.figure2Grid) : "n/a"}`,
      );
      ok &&= none.gammasWithNaN.length > 0 && none.gammasWithNaN.every(unstable) &&
        eps.every((r) => r.figure2Grid === 0);
    }
  }
  const naive = data.backends.map(({ backend, rows }) => {
    const r = rows.find((x) => x.stabilization === "naive");
    return r ? { backend, r } : null;
  }).filter((x) => x !== null);
  const cross: Section = {
    title: "Across backends: the naive composition a user would write",
    claim: "(Not in the paper.) The same tf ops give NaN on some backends and silently not on " +
      "others: webgpu's pow(0, negative) is 0 where cpu and wasm give Infinity.",
    // Agree when the backends differ: some give NaN, some do not.
    verdict: naive.length === 0
      ? "not run"
      : new Set(naive.map(({ r }) => r.figure2Grid > 0)).size > 1
      ? "agree"
      : "disagree",
    measured: naive.map(({ backend, r }) =>
      `${backend}: naive composition non-finite on ${pct(r.figure2Grid)} of the Figure 2 grid, ` +
      `${pct(r.sigmoidSaturatedBatch)} of a saturated sigmoid batch, ${
        pct(r.softmaxSaturatedBatch)
      } of a saturated softmax batch`
    ),
    links: ["bench/nan_incidence.json", "bench/numerics.json", "figures/nan_incidence.svg"],
  };
  const backends = data.backends.map((b) => b.backend);
  return [{
    title,
    claim,
    verdict: ok ? "agree" : "disagree",
    measured,
    links: ["bench/nan_incidence.json", ...backends.map((b) => `figures/figure2_${b}.svg`)],
  }, cross];
}

/** The throughput section, from throughput.json and peers.json. */
export async function benchSection(out: string, step?: StepRecord): Promise<Section> {
  const title = "Benchmark: gradient throughput of the losses";
  const claim = "(Not in the paper.) The package's fused exact mode against the naive tf " +
    "composition on each backend and against torchvision's sigmoid_focal_loss on the same machine.";
  const throughput = await readJson(`${out}/bench/throughput.json`) as
    | {
      provenance: { gitCommit: string; createdAt: string; quick: boolean; analysisOnly?: boolean };
      rows: ThroughputRow[];
    }
    | null;
  if (throughput === null) return notRun(title, claim, step?.reason ?? "no bench run", step);
  const meta = throughput.provenance;
  if (meta.analysisOnly) {
    return notRun(title, claim, "throughput not measured (--bench analysis)", step);
  }
  const peers = await readJson(`${out}/bench/peers.json`) as Peers | null;
  const measured = [
    `measured at commit ${meta.gitCommit.slice(0, 12)} on ${meta.createdAt}${
      meta.quick ? " (quick mode)" : " (full mode)"
    }`,
    ...peerLines(throughput.rows, peers),
  ];
  return {
    title,
    claim,
    verdict: "measured (not a claim of the paper)",
    measured,
    links: [
      "bench/SUMMARY.md",
      "bench/throughput.json",
      "bench/peers.json",
      "bench/numerics.json",
    ],
    step,
  };
}
