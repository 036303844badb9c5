// The half-precision training experiment's report sections and figure: does
// the original meet its NaN sooner with half-float textures, does the exact
// mode never meet one, and does learning stall below half-float resolution.
import { readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import type { VegaLiteSpec } from "../../lib/figures/render_svg.ts";
import { notRun, type Section } from "../_sections.ts";

/** Where the original loss's gradient turns NaN on Figure 2's grid (γ = 0.5, t = 1). */
export const SATURATION_LOGIT = { float32: 16.65, float16: 7.65 } as const;

type WebglRecord = RunRecord & {
  steps: number;
  maxAbsLogit: number[];
  unchangedWeightShare: number[];
};

const precisionOf = (r: RunRecord) => (r.config.precision ?? "float32") as "float32" | "float16";
const last = (xs: number[]) => xs.length === 0 ? NaN : xs[xs.length - 1];

/** One bar per run: the largest |logit| it reached, against its precision's saturation. */
export function webglHalfPrecisionSpec(records: RunRecord[]): VegaLiteSpec {
  const bars = (records as WebglRecord[]).map((r) => ({
    precision: `${precisionOf(r)} textures`,
    run: `t${r.config.threshold} ${r.config.stabilization}`,
    maxAbsLogit: Math.max(...r.maxAbsLogit),
    outcome: r.status === "nan" ? `NaN at step ${r.steps}` : `finite (${r.steps} steps)`,
  }));
  const rules = (["float32", "float16"] as const).map((p) => ({
    precision: `${p} textures`,
    saturation: SATURATION_LOGIT[p],
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "MNIST CNN on webgl (SwiftShader): largest |logit| reached, and where γ = 0.5 saturates",
    facet: { column: { field: "precision", type: "nominal", title: null } },
    data: { values: [...bars, ...rules] },
    spec: {
      width: 300,
      height: 200,
      layer: [
        {
          mark: "bar",
          transform: [{ filter: "datum.run != null" }],
          encoding: {
            x: { field: "run", type: "nominal", title: null, axis: { labelAngle: -30 } },
            y: { field: "maxAbsLogit", type: "quantitative", title: "largest |logit|" },
            color: { field: "outcome", type: "nominal", title: null },
          },
        },
        {
          mark: { type: "rule", strokeDash: [4, 3], color: "black" },
          transform: [{ filter: "datum.saturation != null" }],
          encoding: { y: { field: "saturation", type: "quantitative" } },
        },
      ],
    },
  };
}

/** The sections, from <out>/webgl-half-precision/runs.jsonl. */
export async function webglHalfPrecisionSections(out: string): Promise<Section[]> {
  const titles = {
    nan: "(Not in the paper.) Training in half precision (webgl): the original's NaN",
    exact: "(Not in the paper.) Training in half precision (webgl): the exact mode",
    stall: "(Not in the paper.) Training in half precision (webgl): updates below resolution",
  };
  const claims = {
    nan: "With half-float textures the original loss (γ = 0.5) meets its NaN far sooner than " +
      "with float32 textures: its gradient is NaN from |x| = 7.65 instead of 16.65. Rule, per " +
      "threshold: the half-float original ends in NaN, at an earlier step than the float32 " +
      "original (a float32 run that completes counts as later); where no half-float original " +
      "meets its NaN within the run, the claim is not reproduced at this budget.",
    exact: "The exact mode never meets a NaN, with either texture precision. Rule: no exact run " +
      "ends in NaN.",
    stall: "Measured, not a claim: the share of the CNN's weights that an epoch's SGD updates " +
      "leave bit-identical. In half floats an update below half an ulp of its weight is lost.",
  };
  const path = `${out}/webgl-half-precision/runs.jsonl`;
  const records = await readRecords(path) as WebglRecord[];
  if (records.length === 0) {
    const why = "not run: `deno task experiment:webgl` writes webgl-half-precision/runs.jsonl " +
      "(needs Chromium)";
    return (["nan", "exact", "stall"] as const).map((k) => notRun(titles[k], claims[k], why));
  }
  const links = ["webgl-half-precision/runs.jsonl", "figures/webgl_half_precision.svg"];
  const describe = (r: WebglRecord) =>
    `${precisionOf(r)}, threshold ${r.config.threshold}, ${r.config.stabilization}: ${
      r.status === "nan"
        ? `NaN at step ${r.steps} (epoch ${r.nanEpoch})`
        : `finite, ${r.steps} steps`
    }, largest |logit| ${Math.max(...r.maxAbsLogit).toFixed(2)}`;
  const thresholds = [...new Set(records.map((r) => r.config.threshold as number))];
  const original = (p: string, t: number) =>
    records.find((r) =>
      precisionOf(r) === p && r.config.threshold === t && r.config.stabilization === "none"
    );
  const sooner = thresholds.map((t) => {
    const half = original("float16", t);
    const full = original("float32", t);
    if (half === undefined || full === undefined) return null;
    if (half.status !== "nan") return "no-nan" as const;
    return full.status !== "nan" || half.steps < full.steps;
  });
  const nanVerdict = sooner.some((s) => s === null)
    ? "not run"
    : sooner.every((s) => s === true)
    ? "agree"
    : sooner.every((s) => s === "no-nan")
    ? "not reproduced"
    : sooner.some((s) => s === true)
    ? "partly agree"
    : "disagree";
  const exact = records.filter((r) => r.config.stabilization === "exact");
  const stallLines = (["float32", "float16"] as const).map((p) => {
    const of = records.filter((r) => precisionOf(r) === p && r.unchangedWeightShare.length > 0);
    const shares = of.map((r) => last(r.unchangedWeightShare));
    return `${p} textures: the last epoch left ${
      shares.length === 0
        ? "n/a"
        : `${(100 * Math.min(...shares)).toFixed(1)}–${(100 * Math.max(...shares)).toFixed(1)}%`
    } of the weights unchanged (${of.length} runs)`;
  });
  const config = records[0].config;
  const budget = `each run: ${config.trainSamples} images, ${config.epochs} epoch(s) of batches ` +
    `of ${config.batchSize}, SGD lr ${config.learningRate} momentum ${config.momentum}, no noise`;
  return [
    {
      title: titles.nan,
      claim: claims.nan,
      verdict: nanVerdict,
      measured: [budget, ...records.filter((r) => r.config.stabilization === "none").map(describe)],
      links,
    },
    {
      title: titles.exact,
      claim: claims.exact,
      verdict: exact.length === 0
        ? "not run"
        : exact.every((r) => r.status !== "nan")
        ? "agree"
        : "disagree",
      measured: exact.map(describe),
      links,
    },
    {
      title: titles.stall,
      claim: claims.stall,
      verdict: "measured (not a claim of the paper)",
      measured: stallLines,
      links,
    },
  ];
}
