// The paper's published per-run results (experiments/reference/), typed, and
// the row that corresponds to one of our runs. Reference data for the
// report: compared with, never tuned to.
import type { RunRecord } from "../lib/results/run_records.ts";

/** One published run: its completed epochs of `maxEpochs` and its per-epoch losses. */
export interface PublishedRun {
  loss: "original" | "stabilized";
  noise?: "none" | "medium" | "high";
  gamma?: number;
  threshold?: number;
  completedEpochs: number;
  maxEpochs: number;
  epochLosses: number[];
  /** Training accuracy per epoch, where published (CIFAR-10; the logit > 0.5 count). */
  epochAccuracy?: number[];
}

/** experiments/reference/published_results.json. */
export interface PublishedResults {
  source: { repository: string; commit: string; files: string; linkedFrom: string };
  semantics: Record<string, string>;
  mnistClassification: PublishedRun[];
  mnistSegmentation: PublishedRun[];
  cifar10Classification: PublishedRun[];
}

/** Where the reference data lives. */
export const PUBLISHED_PATH = new URL("./reference/published_results.json", import.meta.url);

let cached: Promise<PublishedResults> | undefined;

/** The published results, read once. */
export function loadPublished(): Promise<PublishedResults> {
  cached ??= Deno.readTextFile(PUBLISHED_PATH).then((t) => JSON.parse(t) as PublishedResults);
  return cached;
}

/** The published loss name of a run's stabilization. */
function publishedLoss(config: RunRecord["config"]): "original" | "stabilized" {
  return config.stabilization === "none" ? "original" : "stabilized";
}

/** The published Figure 4 cell of an MNIST-classification run's config, if the paper has it. */
export function publishedMnistCell(
  published: PublishedResults,
  config: RunRecord["config"],
): PublishedRun | undefined {
  const { noise, gamma, threshold } = config;
  const loss = publishedLoss(config);
  return published.mnistClassification.find((p) =>
    p.loss === loss && p.noise === noise && p.gamma === gamma && p.threshold === threshold
  );
}

/** The published segmentation run of a config (by noise level and loss). */
export function publishedSegmentationRun(
  published: PublishedResults,
  config: RunRecord["config"],
): PublishedRun | undefined {
  const loss = publishedLoss(config);
  return published.mnistSegmentation.find((p) => p.loss === loss && p.noise === config.noise);
}

/** The published CIFAR-10 run of a config: the CNN's, by loss (the paper publishes no ViT curve). */
export function publishedCifarRun(
  published: PublishedResults,
  config: RunRecord["config"],
): PublishedRun | undefined {
  if (String(config.model).startsWith("vit")) return undefined;
  const loss = publishedLoss(config);
  return published.cifar10Classification.find((p) => p.loss === loss);
}

/** A one-line provenance of the reference data, for reports. */
export function publishedSource(published: PublishedResults): string {
  const { repository, commit, files, linkedFrom } = published.source;
  return `${repository} at ${commit.slice(0, 7)} (${files}), linked from ${linkedFrom}`;
}
