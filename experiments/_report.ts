// results/REPORT.md, generated from the JSON under <out>: for each of the
// paper's Figures 1, 2, 4, 5, 6 and the benchmark, the paper's claim, what
// this run measured, a verdict (agree / disagree / not run, with why), links
// to the data and figures, and where the numbers came from.
import { readRecords, type RunRecord } from "../lib/results/run_records.ts";
import { MNIST_FILES } from "../lib/data/mnist.ts";
import { figure4Markdown, type Verdict as ClaimVerdict } from "./mnist_classification/report.ts";
import {
  loadPublished,
  type PublishedRun,
  publishedSegmentationRun,
  publishedSource,
} from "./_published.ts";

/** Images in MNIST's training set: a run with trainSamples null trains on all. */
const MNIST_TRAIN_IMAGES = MNIST_FILES.trainImages.count;

/** One step of `deno task reproduce`, as the manifest records it. */
export interface StepRecord {
  name: string;
  status: "ran" | "skipped" | "failed";
  /** Why it was skipped or how it failed. */
  reason: string | null;
  wallSeconds: number;
  finishedAt: string;
}

/** <out>/reproduce.json: what ran, how and where. */
export interface Manifest {
  profile: string;
  backend: string;
  backendReason: string;
  adapter: string | null;
  shard: string;
  workers: number;
  seed: number;
  gitCommit: string;
  gitDirty: boolean;
  cpu: string;
  cores: number;
  steps: StepRecord[];
}

/**
 * "not reproduced": nothing contradicts the paper, but its effect did not
 * show within the profile's steps (a NaN needs a model confident enough to
 * saturate float32, which takes more training than a small profile gives).
 */
type Verdict = ClaimVerdict | "measured (not a claim of the paper)";

interface Section {
  title: string;
  claim: string;
  verdict: Verdict;
  measured: string[];
  /** Markdown printed as it is after the measured lines (tables). */
  body?: string[];
  links: string[];
  step?: StepRecord;
  /** First run's start to last run's end, across resumed invocations. */
  wallSeconds?: number;
}

/** Images one run trained on: whole epochs, plus the steps of the epoch that met a NaN. */
function imagesTrained(r: RunRecord, datasetSize: number): number {
  const batch = Number(r.config.batchSize);
  return r.completedEpochs * datasetSize +
    (r.status === "nan" ? Math.min((r.nanStep as number) * batch, datasetSize) : 0);
}

function span(records: RunRecord[]): number {
  const starts = records.map((r) => Date.parse(r.provenance.startedAt));
  const ends = records.map((r) => Date.parse(r.provenance.finishedAt));
  return (Math.max(...ends) - Math.min(...starts)) / 1000;
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

const unstable = (g: number) => g > 0 && g < 1;
const count = (rs: RunRecord[], f: (r: RunRecord) => boolean) => rs.filter(f).length;
const nan = (r: RunRecord) => r.status === "nan";
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function notRun(title: string, claim: string, why: string, step?: StepRecord): Section {
  return { title, claim, verdict: "not run", measured: [why], links: [], step };
}

async function figure1(out: string): Promise<Section> {
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

async function figure2AndBackends(out: string): Promise<Section[]> {
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

async function figure4(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 4: MNIST binary classification, CNN of A.4";
  const claim = "With the original loss, unstable γ (0 < γ < 1) runs stop at a NaN, earlier " +
    "for small γ and strong class imbalance, later (or never) with more noise; stable γ (0, " +
    "1–5) never do; with the stabilized loss (ε = 1e-3) every run completes.";
  const records = await readRecords(`${out}/mnist-classification/runs.jsonl`);
  if (records.length === 0) return notRun(title, claim, step?.reason ?? "no runs recorded", step);
  const published = await loadPublished();
  const { verdict, lines } = figure4Markdown(records, published);
  const first = records[0].config;
  const caps = [...new Set(records.map((r) => Number(r.config.epochs)))].sort((a, b) => a - b);
  const measured = [
    `${records.length} runs (profile ${records[0].profile}), each capped at ${
      caps.join(" or ")
    } of the paper's 100 epochs, ${first.trainSamples ?? MNIST_TRAIN_IMAGES} images per run, ` +
    `${
      first.optimizer === "sgd"
        ? `SGD (lr ${first.learningRate}, momentum ${first.momentum})`
        : `Adam (lr ${first.learningRate})`
    }, batch ${first.batchSize}`,
  ];
  // Runs of one folder may come from several invocations (resumed, merged shards).
  const origins = new Map<string, number>();
  for (const r of records) {
    const p = r.provenance;
    const key = `commit ${p.gitCommit.slice(0, 7)}${p.gitDirty ? " (uncommitted changes)" : ""}, ` +
      `${p.backend}, ${p.cores} cores (${p.cpu})`;
    origins.set(key, (origins.get(key) ?? 0) + 1);
  }
  measured.push(
    "made by: " + [...origins].map(([key, n]) => `${n} runs at ${key}`).join("; "),
  );
  const seconds = span(records);
  const images = records.reduce(
    (sum, r) => sum + imagesTrained(r, Number(r.config.trainSamples ?? MNIST_TRAIN_IMAGES)),
    0,
  );
  measured.push(
    `grid throughput: ${Math.round(images / seconds)} model-images/s ` +
      `(${images} images trained in ${Math.round(seconds)} s, ${records[0].provenance.backend})`,
  );
  return {
    title,
    claim,
    verdict,
    measured,
    body: lines,
    links: ["mnist-classification/runs.jsonl", "mnist-classification/figure4.svg"],
    step,
    wallSeconds: seconds,
  };
}

function outcome(r: RunRecord): string {
  return r.status === "nan"
    ? `NaN at epoch ${r.nanEpoch}, step ${r.nanStep}`
    : `completed ${r.completedEpochs} epochs (final loss ${r.epochLosses.at(-1)?.toPrecision(3)})`;
}

/** Where a published run stopped: "NaN after N epochs" or "completed N". */
function publishedOutcome(p: PublishedRun): string {
  return p.completedEpochs < p.maxEpochs
    ? `NaN in epoch ${p.completedEpochs + 1} (${p.completedEpochs} completed)`
    : `completed ${p.maxEpochs} epochs`;
}

/**
 * Our loss-curve runs against the paper's: each run's outcome beside the
 * published one, how far it got against where the paper's NaN came, and a
 * verdict by the rule printed in `measured`.
 */
function againstPublished(
  records: RunRecord[],
  paperOf: (r: RunRecord) => PublishedRun | undefined,
): { verdict: Verdict; measured: string[] } {
  const measured = records.map((r) => {
    const p = paperOf(r);
    if (!p) return `${r.runId}: ${outcome(r)}; the paper has no such run`;
    const paperNan = p.completedEpochs < p.maxEpochs ? p.completedEpochs + 1 : null;
    const reach = paperNan === null
      ? ""
      : Number(r.config.epochs) >= paperNan
      ? `; our cap (${r.config.epochs}) reaches the paper's NaN epoch ${paperNan}`
      : `; our cap of ${r.config.epochs} epochs stops short of the paper's NaN epoch ${paperNan}`;
    return `${r.runId}: ours ${outcome(r)}; the paper's ${publishedOutcome(p)}${reach}`;
  });
  const stabilized = records.filter((r) => r.config.stabilization === "epsilon");
  // Original runs whose published NaN lies within our cap: only they can show the effect.
  const reachable = records.filter((r) => {
    const p = paperOf(r);
    return r.config.stabilization === "none" && p !== undefined &&
      p.completedEpochs < Math.min(p.maxEpochs, Number(r.config.epochs));
  });
  measured.push(
    "rule: disagree if a stabilized run meets a NaN; not reproduced if no original run's cap " +
      "reaches the paper's NaN epoch (nothing is contradicted, nothing shown); else agree if " +
      "every such run stops at a NaN within its cap, partly agree if some do, disagree if none",
  );
  const stopped = reachable.filter(nan).length;
  const verdict: Verdict = count(stabilized, nan) > 0
    ? "disagree"
    : reachable.length === 0
    ? "not reproduced"
    : stopped === reachable.length
    ? "agree"
    : stopped > 0
    ? "partly agree"
    : "disagree";
  return { verdict, measured };
}

async function figure5(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 5: CIFAR-10 vehicles vs animals, CNN (A.4) and ViT (A.5)";
  const claim = "With the original loss (γ = α = 0.5) both the CNN and the ViT meet a NaN " +
    "during training; with the stabilized loss both complete all epochs.";
  const published = await loadPublished();
  const paper = published.cifar10Classification.map((p) =>
    `the paper's CNN, ${p.loss}: ${publishedOutcome(p)}`
  );
  const records = await readRecords(`${out}/cifar10-classification/runs.jsonl`);
  if (records.length === 0) {
    const section = notRun(title, claim, step?.reason ?? "no runs recorded", step);
    section.measured.push(...paper);
    return section;
  }
  // The published series is the CNN's; the ViT has none to compare with.
  const { verdict, measured } = againstPublished(
    records,
    (r) =>
      String(r.config.model).startsWith("vit")
        ? undefined
        : published.cifar10Classification.find((p) =>
          p.loss === (r.config.stabilization === "none" ? "original" : "stabilized")
        ),
  );
  return {
    title,
    claim,
    verdict,
    measured,
    links: ["cifar10-classification/runs.jsonl", "cifar10-classification/figure5.svg"],
    step,
    wallSeconds: span(records),
  };
}

async function figure6(out: string, step?: StepRecord): Promise<Section> {
  const title = "Figure 6: MNIST segmentation, U-Net (A.6)";
  const claim = "With the original loss (γ = α = 0.5) the run without noise meets a NaN " +
    "(the paper's: in epoch 58), medium noise delays it (epoch 872), and with high noise it does " +
    "not occur in 1000 epochs; with the stabilized loss all three runs complete.";
  const records = await readRecords(`${out}/mnist-segmentation/runs.jsonl`);
  if (records.length === 0) return notRun(title, claim, step?.reason ?? "no runs recorded", step);
  const published = await loadPublished();
  const { verdict, measured } = againstPublished(
    records,
    (r) => publishedSegmentationRun(published, r),
  );
  measured.unshift(
    `${records.length} runs, U-Net width ${records[0].config.width} (the paper's: 64), ${
      records[0].config.trainSamples ?? MNIST_TRAIN_IMAGES
    } images, capped at ${records[0].config.epochs} of the paper's 1000 epochs; reference: ${
      publishedSource(published)
    }`,
  );
  return {
    title,
    claim,
    verdict,
    measured,
    links: ["mnist-segmentation/runs.jsonl", "mnist-segmentation/figure6.svg"],
    step,
    wallSeconds: span(records),
  };
}

async function bench(out: string, step?: StepRecord): Promise<Section> {
  const title = "Benchmark: gradient throughput of the losses";
  const claim = "(Not in the paper.) The package's fused exact mode against the naive tf " +
    "composition on each backend and against torchvision's sigmoid_focal_loss on the same machine.";
  const summary = `${out}/bench/SUMMARY.md`;
  if (!(await exists(summary))) return notRun(title, claim, step?.reason ?? "no bench run", step);
  const text = await Deno.readTextFile(summary);
  // Each peer line, prefixed by the heading (loss and size) it sits under.
  let heading = "";
  const peers: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) heading = line.slice(3).replace(/: M elements\/s.*$/, "");
    else if (line.includes("the peer")) peers.push(`${heading}: ${line}`);
  }
  const meta = (await readJson(`${out}/bench/throughput.json`))?.provenance as
    | { gitCommit: string; createdAt: string; quick: boolean; analysisOnly?: boolean }
    | undefined;
  if (meta?.analysisOnly) {
    return notRun(title, claim, "throughput not measured (--bench analysis)", step);
  }
  if (meta) {
    peers.unshift(
      `measured at commit ${meta.gitCommit.slice(0, 12)} on ${meta.createdAt}${
        meta.quick ? " (quick mode)" : " (full mode)"
      }`,
    );
  }
  return {
    title,
    claim,
    verdict: "measured (not a claim of the paper)",
    measured: peers.length > 0 ? peers : ["see SUMMARY.md (no peer measured)"],
    links: [
      "bench/SUMMARY.md",
      "bench/throughput.json",
      "bench/peers.json",
      "bench/numerics.json",
    ],
    step,
  };
}

/** Writes <out>/REPORT.md from what <out> holds; returns its path. */
/** The report's parts, by the name `deno task report --only` takes. */
export const REPORT_PARTS = [
  "analysis",
  "mnist-classification",
  "cifar10-classification",
  "mnist-segmentation",
  "bench",
] as const;

/**
 * Writes <out>/REPORT.md from what <out> holds; returns its path. `only`
 * limits it to some parts (a folder that holds one experiment's runs).
 */
export async function writeReport(
  out: string,
  manifest: Manifest,
  only: readonly (typeof REPORT_PARTS)[number][] = REPORT_PARTS,
): Promise<string> {
  const stepOf = (name: string) => manifest.steps.find((s) => s.name === name);
  const part = async <T>(name: (typeof REPORT_PARTS)[number], make: () => Promise<T>) =>
    only.includes(name) ? [await make()].flat() as Section[] : [];
  const sections = [
    ...(await part(
      "analysis",
      async () => [await figure1(out), ...(await figure2AndBackends(out))],
    )),
    ...(await part("mnist-classification", () => figure4(out, stepOf("mnist-classification")))),
    ...(await part("cifar10-classification", () => figure5(out, stepOf("cifar10-classification")))),
    ...(await part("mnist-segmentation", () => figure6(out, stepOf("mnist-segmentation")))),
    ...(await part("bench", () => bench(out, stepOf("bench")))),
  ];
  const link = async (p: string) =>
    (await exists(`${out}/${p}`)) ? `[${p}](${p})` : `${p} (absent)`;
  const lines = [
    "# Reproduction report",
    "",
    "Generated by `deno task reproduce` from the JSON in this folder; do not edit by hand.",
    "",
    `Profile **${manifest.profile}**, backend **${manifest.backend}** (${manifest.backendReason})${
      manifest.adapter ? `, adapter ${manifest.adapter}` : ""
    }, shard ${manifest.shard}, ${manifest.workers} worker(s), seed ${manifest.seed}; ` +
    `commit ${
      /^[0-9a-f]{40}$/.test(manifest.gitCommit)
        ? manifest.gitCommit.slice(0, 12)
        : manifest.gitCommit
    }${manifest.gitDirty ? " (uncommitted changes)" : ""}; ` +
    `${manifest.cpu}, ${manifest.cores} cores.`,
    "",
    "Wall time: for an experiment, from its first run's start to its last run's end " +
    "(across resumed invocations); for the bench, its last invocation.",
    "",
    "| result | verdict | wall time |",
    "| --- | --- | ---: |",
    ...sections.map((s) =>
      `| ${s.title} | ${s.verdict} | ${
        s.wallSeconds !== undefined
          ? `${Math.round(s.wallSeconds)} s`
          : s.step
          ? `${Math.round(s.step.wallSeconds)} s`
          : ""
      } |`
    ),
    "",
  ];
  for (const s of sections) {
    lines.push(`## ${s.title}`, "", `**Paper:** ${s.claim}`, "", `**Verdict:** ${s.verdict}`, "");
    lines.push(...s.measured.map((m) => `- ${m}`), "");
    if (s.body) lines.push(...s.body, "");
    if (s.links.length > 0) {
      lines.push(`Data: ${(await Promise.all(s.links.map(link))).join(", ")}`, "");
    }
    if (s.step) {
      lines.push(
        `Step \`${s.step.name}\`: ${s.step.status}${s.step.reason ? ` (${s.step.reason})` : ""}, ` +
          `${Math.round(s.step.wallSeconds)} s, finished ${s.step.finishedAt}.`,
        "",
      );
    }
  }
  const path = `${out}/REPORT.md`;
  await Deno.writeTextFile(path, lines.join("\n"));
  return path;
}
