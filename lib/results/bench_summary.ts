// The printed (and committed) bench summary: markdown tables from the JSON.
import { type PrecisionFigureRow, precisionSource } from "../figures/figure2_precision.ts";

/** One `deno bench` measurement with its throughput. */
export interface ThroughputRow {
  backend: string;
  loss: string;
  elements: number;
  variant: string;
  baseline: boolean;
  iterations: number;
  meanNs: number;
  minNs: number;
  elementsPerSecond: number;
}

interface IncidenceRow {
  variant: string;
  figure2Grid: number;
  sigmoidSaturatedBatch: number;
  softmaxSaturatedBatch: number;
}

/** bench/peers.json without its provenance. */
export interface Peers {
  threads: number;
  torch: string;
  torchvision: string;
  results: ({ elements: number } & Record<string, number>)[];
}

const mps = (v: number) => (v / 1e6).toFixed(v >= 1e7 ? 0 : 1);
const pct = (v: number) => (100 * v).toFixed(1) + "%";

/** The PyTorch peer (a key of peers.json's results) each loss is compared with. */
export const PEER_OF: Record<string, string> = {
  sigmoidFocalLoss: "torchvision sigmoid_focal_loss",
  softmaxFocalLoss: "kornia-style softmax focal",
  qualityFocalLoss: "mmdet-style quality focal",
  unifiedFocalLoss: "Unified focal (PyTorch composition)",
};

/**
 * The sentence comparing our best exact mode with the PyTorch peer at one
 * loss and size, or null when the peer was not measured there.
 */
function peerLine(
  rows: ThroughputRow[],
  peers: Peers | null,
  loss: string,
  elements: number,
): string | null {
  const peer = peers?.results.find((p) => p.elements === elements);
  if (!peer) return null;
  const here = rows.filter((r) => r.loss === loss && r.elements === elements);
  const key = PEER_OF[loss];
  if (key === undefined || peer[key] === undefined) return null;
  // The exact mode, on one thread or with the kernel threads.
  const exact = here.filter((r) => /^exact(, \d+ threads)?$/.test(r.variant));
  if (!exact.some((r) => r.variant === "exact")) return null;
  const fastest = (rows: ThroughputRow[]) =>
    rows.reduce((a, b) => (b.elementsPerSecond > a.elementsPerSecond ? b : a));
  const best = fastest(exact);
  const single = fastest(exact.filter((r) => r.variant === "exact"));
  const ratio = (r: ThroughputRow) => (r.elementsPerSecond / peer[key]).toFixed(2);
  return `PyTorch ${peers!.torch} (${peers!.threads} threads), ${key}: ${mps(peer[key])} M/s; ` +
    `best exact here: ${mps(best.elementsPerSecond)} M/s (${best.backend}, ` +
    `${best.variant}) = **${ratio(best)}×** the peer` +
    (best === single
      ? "."
      : `; on one thread: ${mps(single.elementsPerSecond)} M/s (${single.backend}) = ` +
        `${ratio(single)}×.`);
}

/** Every peer comparison, one line per loss and size: "<loss>, <n> elements: <sentence>". */
export function peerLines(rows: ThroughputRow[], peers: Peers | null): string[] {
  const lines: string[] = [];
  for (const loss of [...new Set(rows.map((r) => r.loss))]) {
    for (const elements of [...new Set(rows.map((r) => r.elements))]) {
      const line = peerLine(rows, peers, loss, elements);
      if (line !== null) lines.push(`${loss}, ${elements} elements: ${line}`);
    }
  }
  return lines;
}

/** Markdown tables: throughput per loss × size, peers, NaN incidence. */
export function summarize(
  rows: ThroughputRow[],
  incidence: { backend: string; rows: IncidenceRow[] }[],
  peers: Peers | null,
  precision: PrecisionFigureRow[] = [],
): string {
  const lines: string[] = ["# Benchmark summary", ""];
  const backends = [...new Set(rows.map((r) => r.backend))];
  for (const loss of [...new Set(rows.map((r) => r.loss))]) {
    for (const elements of [...new Set(rows.map((r) => r.elements))]) {
      const here = rows.filter((r) => r.loss === loss && r.elements === elements);
      if (here.length === 0) continue;
      lines.push(`## ${loss}, ${elements} elements: M elements/s (× naive)`, "");
      lines.push(
        `| variant | ${backends.join(" | ")} |`,
        `| --- |${backends.map(() => " ---: |").join("")}`,
      );
      for (const variant of [...new Set(here.map((r) => r.variant))]) {
        const cells = backends.map((b) => {
          const r = here.find((x) => x.backend === b && x.variant === variant);
          const base = here.find((x) => x.backend === b && x.baseline);
          if (!r) return "";
          return `${mps(r.elementsPerSecond)} (${
            (r.elementsPerSecond / base!.elementsPerSecond).toFixed(1)
          }×)`;
        });
        lines.push(`| ${variant} | ${cells.join(" | ")} |`);
      }
      const peer = peerLine(rows, peers, loss, elements);
      if (peer !== null) lines.push("", peer);
      lines.push("");
    }
  }
  lines.push("## Non-finite gradients (fraction)", "");
  lines.push(
    "| variant | " +
      incidence.map((i) => `${i.backend}: Fig. 2 grid / sigmoid batch / softmax batch`).join(
        " | ",
      ) + " |",
  );
  lines.push("| --- |" + incidence.map(() => " --- |").join(""));
  for (const variant of incidence[0]?.rows.map((r) => r.variant) ?? []) {
    const cells = incidence.map((i) => {
      const r = i.rows.find((x) => x.variant === variant)!;
      return `${pct(r.figure2Grid)} / ${pct(r.sigmoidSaturatedBatch)} / ${
        pct(r.softmaxSaturatedBatch)
      }`;
    });
    lines.push(`| ${variant} | ${cells.join(" | ")} |`);
  }
  lines.push(...precisionLines(precision));
  return lines.join("\n") + "\n";
}

/**
 * The NaN incidence with a row per precision: the sigmoid loss on Figure
 * 2's grid (every γ, both targets), per mode and source, from
 * analysis/figure2_precision.json. webgl runs on SwiftShader there, a CPU:
 * its rows are NaN incidence, never a GPU's speed.
 */
function precisionLines(rows: PrecisionFigureRow[]): string[] {
  const sigmoid = rows.filter((r) => r.loss === "sigmoid");
  if (sigmoid.length === 0) return [];
  const variant = (r: PrecisionFigureRow) => r.mode === "epsilon" ? `epsilon ${r.epsilon}` : r.mode;
  const variants = [...new Set(sigmoid.map(variant))];
  const lines = [
    "",
    "## Non-finite gradients by precision (sigmoid, Figure 2 grid, fraction)",
    "",
    `| source | ${variants.join(" | ")} |`,
    `| --- |${variants.map(() => " ---: |").join("")}`,
  ];
  for (const s of [...new Set(sigmoid.map(precisionSource))]) {
    const cells = variants.map((v) => {
      const of = sigmoid.filter((r) => precisionSource(r) === s && variant(r) === v);
      return of.length === 0 ? "" : pct(of.reduce((t, r) => t + r.nonFiniteShare, 0) / of.length);
    });
    lines.push(`| ${s} | ${cells.join(" | ")} |`);
  }
  lines.push(
    "",
    "webgl ran on SwiftShader (a CPU) in Chromium: these rows count NaN, they time nothing.",
  );
  return lines;
}
