// The variants experiment's sections of REPORT.md: the paper's conjecture
// (Sec. 1 and 4) that its instability reaches the Unified and Quality focal
// losses, what the Unified loss's clipping hides, and the exact forms.
// Where no original run met a NaN, the verdict says within how many steps.
import { readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import { nan, notRun, type Section, span, type StepRecord } from "../_sections.ts";
import { armOf, stepsTrained } from "./figure.ts";
import { AUTHORS_CLIP, LOGIT_RANGE_IMAGES, SOFT_TARGETS } from "./profiles.ts";
import { FLOAT32_SATURATING_LOGIT } from "../../lib/precision/float_limits.ts";

const TITLE = "(Not in the paper.) The variants";

/** "NaN at epoch e, step s (step S of the run); non-finite alone: …" or "completed …". */
function outcome(r: RunRecord): string {
  if (r.status !== "nan") {
    return `completed ${r.completedEpochs} epochs, ${stepsTrained(r)} steps (final loss ${
      r.epochLosses.at(-1)?.toPrecision(3)
    })`;
  }
  const terms = r.nanTerms === undefined
    ? ""
    : r.nanTerms.length === 0
    ? "; each part finite alone on that batch"
    : `; non-finite alone on that batch: ${r.nanTerms.join(" and ")}`;
  return `NaN at epoch ${r.nanEpoch}, step ${r.nanStep} (step ${
    stepsTrained(r)
  } of the run)${terms}`;
}

/** The trained model's logits on the first images, where the record has them. */
function range(r: RunRecord): string {
  const logits = (r as RunRecord & { logitRange?: [number, number] }).logitRange;
  return logits === undefined
    ? ""
    : `; logits after training in [${logits[0].toFixed(1)}, ${logits[1].toFixed(1)}]`;
}

const line = (r: RunRecord) =>
  `${r.runId} (${armOf(r)}): ${outcome(r)}${range(r)}, ${r.provenance.wallSeconds.toFixed(0)} s`;

/**
 * Where the focal factor 1 − p_t rounds to 0 on a background pixel in float32:
 * 1 − p rounds to 1 (p < 2^−25) below −FLOAT32_SATURATING_LOGIT ≈ −17.33.
 */
const BACKGROUND_SATURATION = -FLOAT32_SATURATING_LOGIT;

/**
 * Where σ(x) = 1 / (1 + e^−x), composed in float32 as tfjs does, rounds to 1,
 * and so 1 − p_t to 0 on a foreground pixel: 1 + e^−x rounds to 1 once
 * e^−x < 2^−24, above 24·ln 2 ≈ 16.6 (lib/losses/numerics.ts).
 */
const SIGMOID_ROUNDS_TO_ONE = 24 * Math.LN2;

/** A limit as the report prints it: one decimal, ASCII minus. */
const fixed = (x: number) => x.toFixed(1);
/** The same with a typographic minus, for prose. */
const prose = (x: number) => fixed(x).replace("-", "−");

/** Where the original forms turn singular in float32, for the reader of the ranges. */
const SATURATION = "the original forms' gradients turn NaN in float32 where a focal factor " +
  `rounds to 0: the Unified focal part's 1 − (1 − p) at x < ${
    prose(BACKGROUND_SATURATION)
  } on a background pixel, the ` +
  `Quality factor |y − σ(x)| where σ(x) rounds to y (x > ${
    prose(SIGMOID_ROUNDS_TO_ONE)
  } for y = 1, x < −103 for y = 0, or ` +
  "exactly at a soft target), the Tversky factor where an image's TI rounds to 1. Logits " +
  `after training: the trained model on the first ${LOGIT_RANGE_IMAGES} training images`;

/**
 * When no original U-Net run met a NaN: how far its logits stayed from the
 * focal factor's saturation, which says whether the cap made "not observed"
 * all but certain. `factor`: the loss's factor that rounds to 0 there;
 * `otherwise`: what else could make the NaN (the Unified loss's Tversky part);
 * `foreground`: whether the factor also rounds to 0 on a foreground pixel
 * above SIGMOID_ROUNDS_TO_ONE (the symmetric focal factor; the Unified
 * loss's focal part spares the foreground).
 */
function reach(
  originals: RunRecord[],
  {
    factor = "the focal part's factor",
    otherwise = " (the Tversky part needs an image's every pixel right and sure to turn TI into 1)",
    foreground = false,
  } = {},
): string[] {
  const ranges = originals.map((r) => (r as RunRecord & { logitRange?: number[] }).logitRange)
    .filter((x): x is number[] => x !== undefined);
  if (originals.some(nan) || ranges.length === 0) return [];
  const lowest = Math.min(...ranges.map((r) => r[0]));
  const highest = Math.max(...ranges.map((r) => r[1]));
  const far = lowest > BACKGROUND_SATURATION &&
    (!foreground || highest < SIGMOID_ROUNDS_TO_ONE);
  return [
    `the most negative logit an original run reached: ${lowest.toFixed(1)}` +
    (foreground ? `, the most positive: ${highest.toFixed(1)}` : "") + `; ${factor} ` +
    `rounds to 0 only below ${fixed(BACKGROUND_SATURATION)}` +
    (foreground
      ? ` on a background pixel or above ${fixed(SIGMOID_ROUNDS_TO_ONE)} on a foreground one`
      : "") +
    (far ? `, so at this width and cap its NaN was all but out of reach${otherwise}` : ""),
  ];
}

/** The fewest steps any of `runs` trained: what "not observed within N steps" promises. */
const fewest = (runs: RunRecord[]) => Math.min(...runs.map(stepsTrained));

/** "agree" when one of `originals` met a NaN, else "not observed within N steps". */
function conjecture(originals: RunRecord[]): Section["verdict"] {
  return originals.some(nan) ? "agree" : `not observed within ${fewest(originals)} steps`;
}

/** "γ 0.2, 0.5, 0.8": the exponents `runs` trained with, or "γ in (0, 1)" before any ran. */
function focusValues(runs: RunRecord[], symbol: string): string {
  const values = [...new Set(runs.map((r) => Number(r.config.focus)))].sort((a, b) => a - b);
  return values.length === 0 ? `${symbol} in (0, 1)` : `${symbol} ${values.join(", ")}`;
}

/** The sections, from `<out>/variants/runs.jsonl`. */
export async function variantsSections(out: string, step?: StepRecord): Promise<Section[]> {
  const records = await readRecords(`${out}/variants/runs.jsonl`);
  const unified = records.filter((r) => r.config.loss === "unified");
  const adaptive = records.filter((r) => r.config.loss === "adaptive");
  const quality = records.filter((r) => r.config.loss === "quality");
  const claims = {
    unified: 'The instability is "likely not confined to the Focal Loss itself" (Sec. 1, 4): ' +
      'the Unified Focal Loss, whose γ lies in (0, 1) by design, "applied to more simplistic ' +
      'segmentation tasks could still trigger" it. Here: its original composition (no ' +
      `clipping), ${focusValues(unified, "γ")}, on the MNIST masks of Figure 6 without noise.`,
    clipping: "The clipping in the Unified Focal Loss's reference code (predictions to " +
      `[${AUTHORS_CLIP}, 1 − ${AUTHORS_CLIP}]) is why nobody saw the instability (Sec. 4).`,
    adaptive: "The Adaptive Focal Loss (Islam et al., 2024) is named among the variants that " +
      "could meet the instability (Sec. 1, 4): its γ, computed per batch from the masks " +
      "(smoothness plus foreground fraction), lies in (0, 1) for small structures. Its authors' " +
      "code evaluates the modulating factor in log space (MONAI's), whose gradient has no " +
      "(1 − p_t)^(γ−1). Here: the paper's formula with pow, the authors' composition and the " +
      "exact form, on the MNIST masks of Figure 6 without noise.",
    quality: "The Generalized/Quality Focal Loss uses its exponent β as the focal loss uses γ " +
      "(Sec. 1, 4), so for 0 < β < 1 it should meet the same NaN. Here: its original " +
      `composition (mmdetection's), ${
        focusValues(quality, "β")
      }, on Figure 4's task without noise, with hard ` +
      `targets and with soft ones (label smoothing s = ${SOFT_TARGETS.smoothing}: ` +
      `${1 - SOFT_TARGETS.smoothing} and ${SOFT_TARGETS.smoothing}).`,
    exact: "This package's claim, not the paper's: the exact form of every loss here never " +
      "meets a NaN under the same protocol.",
  };
  const titles = {
    unified: `${TITLE}: the Unified Focal Loss, original composition`,
    clipping: `${TITLE}: the Unified Focal Loss with its authors' clipping`,
    adaptive: `${TITLE}: the Adaptive Focal Loss`,
    quality: `${TITLE}: the Quality Focal Loss, original composition`,
    exact: `${TITLE}: the exact forms`,
  };
  if (records.length === 0) {
    const why = step?.reason ?? "no runs recorded";
    return (Object.keys(titles) as (keyof typeof titles)[]).map((k) =>
      notRun(titles[k], claims[k], why, step)
    );
  }
  const originals = (rs: RunRecord[]) =>
    rs.filter((r) =>
      r.config.stabilization === "none" && r.config.clip === undefined && r.config.authors !== true
    );
  const clipped = unified.filter((r) => r.config.clip !== undefined);
  const exact = records.filter((r) => r.config.stabilization === "exact");
  const links = ["variants/runs.jsonl", "variants/variants.svg"];
  const protocol = (rs: RunRecord[], what: string) =>
    rs.length === 0
      ? `no ${what} runs recorded`
      : `${rs.length} ${what} runs, ${rs[0].config.model}, ${
        rs[0].config.trainSamples ?? "all 60,000"
      } images, SGD lr ${rs[0].config.learningRate} momentum ${rs[0].config.momentum}, batch ${
        rs[0].config.batchSize
      }, capped at ${rs[0].config.epochs} epochs`;

  const unifiedOriginals = originals(unified);
  const unifiedSection: Section = unifiedOriginals.length === 0
    ? notRun(titles.unified, claims.unified, "no original Unified run recorded", step)
    : {
      title: titles.unified,
      claim: claims.unified,
      verdict: conjecture(unifiedOriginals),
      measured: [
        protocol(unified, "Unified"),
        SATURATION,
        ...unifiedOriginals.map(line),
        ...reach(unifiedOriginals),
        'rule: agree if an original run meets a NaN within its cap; otherwise "not observed ' +
        'within N steps", N the fewest steps an original run trained. At a NaN the record names ' +
        "the parts (focal, Tversky) whose value or gradient was non-finite alone on that batch",
      ],
      links,
      step,
      wallSeconds: span(unified),
    };

  // What the clipping hides: γ values whose original met a NaN.
  const hidden = unifiedOriginals.filter(nan).map((r) => r.config.gamma);
  const clippingSection: Section = clipped.length === 0
    ? notRun(titles.clipping, claims.clipping, "no clipped Unified run recorded", step)
    : {
      title: titles.clipping,
      claim: claims.clipping,
      verdict: clipped.some(nan)
        ? "disagree"
        : hidden.length === 0
        ? `not observed within ${fewest(unifiedOriginals)} steps`
        : clipped.filter((r) => hidden.includes(r.config.gamma)).length === hidden.length
        ? "agree"
        : "partly agree",
      measured: [
        ...clipped.map(line),
        "rule: disagree if a clipped run meets a NaN; agree if every γ whose original run met a " +
        "NaN has a clipped run that completed (partly if some have none); if no original met a " +
        'NaN there is nothing to hide: "not observed within N steps" of the originals',
      ],
      links,
      step,
      wallSeconds: span(unified),
    };

  const adaptiveOriginals = originals(adaptive);
  const authors = adaptive.filter((r) => r.config.authors === true);
  const adaptiveSection: Section = adaptiveOriginals.length === 0
    ? notRun(
      titles.adaptive,
      claims.adaptive,
      "no Adaptive run with the pow form recorded (its runs are in the paper and width4 profiles)",
      step,
    )
    : {
      title: titles.adaptive,
      claim: claims.adaptive,
      verdict: conjecture(adaptiveOriginals),
      measured: [
        protocol(adaptive, "Adaptive"),
        "γ per batch: the smoothness of the batch's first mask (the mean magnitude of " +
        "np.gradient over its pixels) plus the batch's foreground fraction, as the authors' " +
        "code computes it; the pow form's factor (1 − p_t)^γ rounds to 0, and its gradient " +
        `turns NaN, where a background logit falls below ${
          fixed(BACKGROUND_SATURATION)
        } or a foreground one rises above ${fixed(SIGMOID_ROUNDS_TO_ONE)} (σ(x) rounds to 1)`,
        ...adaptive.map(line),
        ...(authors.length === 0 ? [] : [
          `the authors' code: ${
            authors.some(nan) ? "met a NaN" : `no NaN within ${fewest(authors)} steps`
          } (its factor, in log space, has a finite gradient for every logit)`,
        ]),
        ...reach(adaptiveOriginals, {
          factor: "the factor (1 − p_t)^γ",
          otherwise: "",
          foreground: true,
        }),
        'rule: agree if a pow-form run meets a NaN within its cap; otherwise "not observed ' +
        'within N steps", N the fewest steps such a run trained. At a NaN the record names the ' +
        "factors (factor: (1 − p_t)^γ, crossEntropy: −log p_t) whose value or gradient was " +
        "non-finite alone on that batch",
      ],
      links,
      step,
      wallSeconds: span(adaptive),
    };

  const qualityOriginals = originals(quality);
  const byTargets = (kind: string) => qualityOriginals.filter((r) => r.config.targets === kind);
  const tally = (rs: RunRecord[]) => `${rs.filter(nan).length} of ${rs.length}`;
  const qualitySection: Section = qualityOriginals.length === 0
    ? notRun(titles.quality, claims.quality, "no original Quality run recorded", step)
    : {
      title: titles.quality,
      claim: claims.quality,
      verdict: conjecture(qualityOriginals),
      measured: [
        protocol(quality, "Quality"),
        `original runs meeting a NaN: hard targets ${tally(byTargets("hard"))}, soft ${
          tally(byTargets("soft"))
        }`,
        SATURATION,
        ...qualityOriginals.map(line),
        'rule: agree if an original run meets a NaN within its cap; otherwise "not observed ' +
        'within N steps", N the fewest steps an original run trained',
      ],
      links,
      step,
      wallSeconds: span(quality),
    };

  const exactSection: Section = exact.length === 0
    ? notRun(titles.exact, claims.exact, "no exact run recorded", step)
    : {
      title: titles.exact,
      claim: claims.exact,
      verdict: exact.some(nan) ? "disagree" : "agree",
      measured: [
        `${exact.length} exact runs, ${exact.filter(nan).length} met a NaN; the fewest steps an ` +
        `exact run trained: ${fewest(exact)}`,
        ...exact.map(line),
        'rule: agree if no exact run meets a NaN (within its cap: never "stable" beyond it)',
      ],
      links,
      step,
      wallSeconds: span(records),
    };
  return [unifiedSection, clippingSection, adaptiveSection, qualitySection, exactSection];
}
