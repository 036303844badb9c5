// The horizon's section of REPORT.md: per width, how close the logits came
// to float32's saturation in the epochs trained, where the two growth laws
// put the crossing (fit.ts), and what reaching it would cost here.
import { readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import { FLOAT32_SATURATING_LOGIT } from "../../lib/precision/float_limits.ts";
import { MNIST_TRAIN_IMAGES, notRun, type Section, span, type StepRecord } from "../_sections.ts";
import { type Crossing, crossings } from "./fit.ts";
import { stepsBefore, stepsPerEpoch } from "../_plan.ts";

/** Steps per epoch of a run: its images over its batch, the last batch partial. */
export function runStepsPerEpoch(r: RunRecord): number {
  return stepsPerEpoch(Number(r.config.trainSamples ?? MNIST_TRAIN_IMAGES), r.config.batchSize);
}

/** Steps a run trained: its completed epochs, and its NaN step. */
export function stepsTrained(r: RunRecord): number {
  return r.completedEpochs * runStepsPerEpoch(r) + (r.nanStep ?? 0);
}

/**
 * Seconds a step of the run took: its wall time over the steps of the
 * invocation that finished it (a resumed run's record times only that one).
 */
export function secondsPerStep(r: RunRecord): number {
  const from = r.provenance.resumed;
  const before = from ? stepsBefore(from, runStepsPerEpoch(r)) : 0;
  return r.provenance.wallSeconds / Math.max(1, stepsTrained(r) - before);
}

/** The side (background or foreground) of a run's logits and its per-epoch magnitudes. */
export interface Side {
  side: "background" | "foreground";
  /** |most negative background logit| or most positive foreground logit, per epoch. */
  magnitudes: number[];
}

/** The sides of a run with saturation metrics, each with positive magnitudes per epoch. */
export function sidesOf(r: RunRecord): Side[] {
  const m = r.epochMetrics;
  if (m?.backgroundLogitMin === undefined || m.foregroundLogitMax === undefined) return [];
  const n = r.completedEpochs;
  return [
    {
      side: "background" as const,
      magnitudes: m.backgroundLogitMin.slice(0, n).map((v) => -(v ?? 0)),
    },
    {
      side: "foreground" as const,
      magnitudes: m.foregroundLogitMax.slice(0, n).map((v) => v ?? 0),
    },
  ];
}

/** The crossings of one side, or null with fewer than 2 epochs or a magnitude ≤ 0. */
export function sideCrossings(r: RunRecord, side: Side): Crossing[] | null {
  const steps = side.magnitudes.map((_, e) => (e + 1) * runStepsPerEpoch(r));
  if (side.magnitudes.length < 2 || side.magnitudes.some((y) => !(y > 0))) return null;
  return crossings(steps, side.magnitudes, FLOAT32_SATURATING_LOGIT);
}

/** Beyond this many steps a crossing is out of any reach (a century of a GPU's steps). */
const OUT_OF_REACH = 1e12;

const steps = (s: number | null) =>
  s === null
    ? "never (not growing)"
    : s > OUT_OF_REACH
    ? "> 1e12"
    : s >= 1e7
    ? s.toExponential(1)
    : Math.round(s).toLocaleString("en");
const hours = (s: number | null, perStep: number) =>
  s === null || s > OUT_OF_REACH ? "–" : `${(s * perStep / 3600).toFixed(1)} h`;

/** The horizon's section, from `<out>/unet-horizon/runs.jsonl`. */
export async function horizonSection(out: string, step?: StepRecord): Promise<Section> {
  const title = "(Not in the paper.) U-Net widths: how far each is from the original's NaN";
  const claim = "Figure 6's no-noise original meets its NaN in epoch 58 at width 64 (GPU work " +
    "here). A smaller U-Net meets it where a background logit falls below −17.33 (or a " +
    "foreground one rises above 17.33): float32 then rounds p_t to 1. Measured per width over " +
    "a few epochs, and extrapolated with two growth laws of the logit magnitude in the steps " +
    "(a power law and a logarithm: the first crosses sooner), each with the interval of its " +
    "slope's ±2 standard errors.";
  const records = await readRecords(`${out}/unet-horizon/runs.jsonl`);
  if (records.length === 0) return notRun(title, claim, step?.reason ?? "no runs recorded", step);
  const measured: string[] = [];
  const body = [
    "| width | epochs | background min logit (last epoch) | foreground max logit | saturated (bg, fg) | " +
    "power law: crossing step (interval) | logarithm: crossing step (interval) | s/step here | " +
    "to the crossing here (power, log) |",
    "| ---: | ---: | ---: | ---: | --- | --- | --- | ---: | --- |",
  ];
  for (const r of [...records].sort((a, b) => Number(a.config.width) - Number(b.config.width))) {
    const width = Number(r.config.width);
    const perStep = secondsPerStep(r);
    const m = r.epochMetrics;
    if (r.status === "nan") {
      measured.push(
        `width ${width}: NaN in epoch ${r.nanEpoch} (step ${r.nanStep}): the horizon, measured`,
      );
    }
    const sides = sidesOf(r);
    if (m === undefined || sides.length === 0) {
      measured.push(`width ${width}: no saturation metrics recorded`);
      continue;
    }
    // The side that crosses first under the power law (the nearer horizon).
    const fits = sides.map((s) => ({ s, c: sideCrossings(r, s) }));
    const nearest = fits.filter((f) =>
      f.c !== null
    ).sort((a, b) => (a.c![0].step ?? Infinity) - (b.c![0].step ?? Infinity))[0];
    const last = r.completedEpochs - 1;
    const bg = m.backgroundLogitMin?.[last], fg = m.foregroundLogitMax?.[last];
    const share = (v?: number) =>
      v === undefined ? "–" : `${(v * 100).toPrecision(2)}%`;
    const cross = (c: Crossing | undefined) =>
      c === undefined
        ? "– (fewer than 2 epochs)"
        : `${steps(c.step)} (${steps(c.interval[0])}–${steps(c.interval[1])})`;
    body.push(
      `| ${width} | ${r.completedEpochs} | ${bg?.toFixed(2) ?? "–"} | ${fg?.toFixed(2) ?? "–"} | ${
        share(m.backgroundSaturated?.[last])
      }, ${share(m.foregroundSaturated?.[last])} | ${
        nearest ? `${nearest.s.side}: ${cross(nearest.c![0])}` : cross(undefined)
      } | ${nearest ? cross(nearest.c![1]) : "–"} | ${perStep.toFixed(3)} | ${
        nearest
          ? `${hours(nearest.c![0].step, perStep)}, ${hours(nearest.c![1].step, perStep)}`
          : "–"
      } |`,
    );
  }
  measured.unshift(
    `${records.length} runs, no noise, original loss (γ = α = 0.5), ${
      records[0].config.trainSamples ?? MNIST_TRAIN_IMAGES
    } images, batch ${records[0].config.batchSize}, ${
      runStepsPerEpoch(records[0])
    } steps an epoch; seconds per step from each run's own wall time (one core), beside whatever ` +
      "else ran; crossings extrapolate far beyond the data: their intervals hold the slope's " +
      "uncertainty only, not the growth law's",
  );
  return {
    title,
    claim,
    verdict: "measured (not a claim of the paper)",
    measured,
    body,
    links: ["unet-horizon/runs.jsonl", "unet-horizon/horizon.svg"],
    step,
    wallSeconds: span(records),
  };
}
