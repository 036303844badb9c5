// The bench's section of REPORT.md, from the JSON `deno task bench` wrote:
// the throughput against the PyTorch peers (throughput.json, peers.json);
// and the NaN incidence figure (figures/nan_incidence.svg), drawn here from
// bench/nan_incidence.json: bench/ times and counts, it draws and judges nothing.
import { notRun, readJson, type Section, type StepRecord } from "./_sections.ts";
import { peerLines, type Peers, type ThroughputRow } from "../lib/results/bench_summary.ts";
import { writeSvg } from "../lib/figures/render_svg.ts";
import { type NanIncidence, nanIncidenceSpec } from "../lib/figures/nan_incidence.ts";

/** The throughput section, from throughput.json and peers.json. */
export async function benchSection(out: string, step?: StepRecord): Promise<Section> {
  const title = "Benchmark: gradient throughput of the losses";
  const claim = "(Not in the paper.) The package's fused exact mode against the naive tf " +
    "composition on each backend and against torchvision's sigmoid_focal_loss on the same machine.";
  const throughput = await readJson(`${out}/bench/throughput.json`) as
    | {
      provenance: {
        gitCommit: string;
        createdAt: string;
        quick: boolean;
        /** Before the analysis had its own step: NaN incidence without throughput. */
        analysisOnly?: boolean;
        incidenceOnly?: boolean;
      };
      rows: ThroughputRow[];
    }
    | null;
  if (throughput === null) return notRun(title, claim, step?.reason ?? "no bench run", step);
  const meta = throughput.provenance;
  if (meta.analysisOnly || meta.incidenceOnly) {
    return notRun(
      title,
      claim,
      `throughput not measured (--bench ${meta.analysisOnly ? "analysis" : "incidence"})`,
      step,
    );
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

/** Draws figures/nan_incidence.svg from bench/nan_incidence.json under `root`; its path, or null. */
export async function benchFigures(root: string): Promise<string | null> {
  const incidence = await readJson(`${root}/bench/nan_incidence.json`) as NanIncidence | null;
  if (incidence === null) return null;
  const path = `${root}/figures/nan_incidence.svg`;
  await writeSvg(path, nanIncidenceSpec(incidence));
  return path;
}
