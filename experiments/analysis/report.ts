// The analysis's sections of REPORT.md: Figure 1 (analysis/figure1.json),
// Figure 2 and the naive composition across backends (the NaN incidence the
// bench counts on Figure 2's grid, bench/nan_incidence.json), and the half
// precision sections (analysis/figure2_precision.json).
import { notRun, pct, readJson, type Section, unstable } from "../_sections.ts";
import { type PrecisionFigureRow, precisionSource } from "../../lib/figures/figure2_precision.ts";
import { smallestFiniteEpsilon } from "../../lib/analysis/figure2_precision.ts";
import { MAX_FINITE, type Precision } from "../../lib/precision/round_to_precision.ts";

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

/** What the half-precision sections read of analysis/figure2_precision.json. */
interface PrecisionData {
  rows: (PrecisionFigureRow & {
    target: number;
    quality: number | null;
    maxUlpError: number;
    maxAbsoluteErrorNearZero: number;
    nonFiniteLossShare: number;
  })[];
  webgl: { forcedHalfFloats: boolean }[];
  note: string | null;
}

/**
 * The "(Not in the paper.) Half precision" sections, from
 * analysis/figure2_precision.json: where the original breaks, when Eq. (11)'s
 * ε holds, and the exact mode's finiteness and error.
 */
export async function precisionSections(out: string): Promise<Section[]> {
  const titles = {
    onset: "(Not in the paper.) Half precision: where the original loss breaks",
    epsilon: "(Not in the paper.) Half precision: when Eq. (11)'s ε holds",
    exact: "(Not in the paper.) Half precision: the exact mode",
  };
  const claims = {
    onset: "In float16 and bfloat16 (webgl's half-float textures, mixed-precision training) " +
      "the original loss's gradient (0 < γ < 1) is non-finite from |x| ≈ 6–9, not 17: p rounds " +
      "to 1 at half the precision's bits. Rule: every 0 < γ < 1 row (hard targets) of the " +
      "sigmoid and softmax losses has a NaN region, which starts at |x| ≤ 9 in a half " +
      "precision and at |x| ≥ 16 in float32 (Quality's background base is σ(x) itself, " +
      "which breaks only where it underflows: measured, not ruled).",
    epsilon: "Eq. (11)'s gradient on a saturated logit is γ·ε^(γ−1) times finite factors, so " +
      "it is finite exactly when ε ≥ M^(−1/(1−γ)) (M the largest finite value: 4.5e−6 at " +
      "γ = 0.1 in float16). Rule: every ε row with 0 < γ < 1 is finite if and only if ε is at " +
      "or above that bound.",
    exact: "The exact mode is finite for every logit, γ and target at float32, float16 and " +
      "bfloat16 on every backend, within a few ulps of the float64 gradient away from its zeros. " +
      "Rule: agree when no exact row has a non-finite value or gradient and, away from " +
      "Quality's soft-target cusp, every error is ≤ 8 ulps; partly agree when all are finite " +
      "but some error is above 8 ulps; disagree when any is not finite.",
  };
  const data = await readJson(`${out}/analysis/figure2_precision.json`) as PrecisionData | null;
  if (data === null) {
    return (["onset", "epsilon", "exact"] as const).map((k) =>
      notRun(titles[k], claims[k], "analysis/figure2_precision.json is missing")
    );
  }
  const links = ["analysis/figure2_precision.json", "figures/figure2_precision.svg"];
  const rows = data.rows;
  const sources = [...new Set(rows.map(precisionSource))];
  const unstableRows = rows.filter((r) => r.gamma > 0 && r.gamma < 1);
  const onset = (r: PrecisionFigureRow) =>
    Math.min(
      ...[r.nonFiniteBelow, r.nonFiniteAbove].filter((e) => e !== null).map((e) => Math.abs(e!)),
    );

  // Where the original breaks (hard targets: Quality's soft cusp is another matter).
  const original = unstableRows.filter((r) =>
    r.mode === "none" && (r.target === 0 || r.target === 1)
  );
  // Quality's background base |0 − σ(x)| is σ(x) itself, which breaks only
  // where it underflows (x < −16.6 in float16, −88 in float32): measured, not ruled.
  const onsetOk = original.filter((r) => r.loss !== "quality").every((r) =>
    r.nonFiniteShare > 0 && (r.precision === "float32" ? onset(r) >= 16 : onset(r) <= 9)
  );
  const onsetLines = sources.flatMap((source) => {
    const of = original.filter((r) => precisionSource(r) === source);
    if (of.length === 0) return [];
    const byLoss = [...new Set(of.map((r) => r.loss))].map((loss) => {
      const l = of.filter((r) => r.loss === loss);
      const share = l.reduce((s, r) => s + r.nonFiniteShare, 0) / l.length;
      return `${loss} ${pct(share)} from |x| = ${Math.min(...l.map(onset))}`;
    });
    return [`${source}: ${byLoss.join("; ")}`];
  });

  // Eq. (11)'s ε.
  const eps = unstableRows.filter((r) => r.mode === "epsilon");
  const bound = (r: PrecisionFigureRow) =>
    smallestFiniteEpsilon(r.gamma, MAX_FINITE[r.precision as Precision]);
  const epsOk = eps.every((r) => (r.nonFiniteShare === 0) === (r.epsilon >= bound(r)));
  const epsFailing = eps.filter((r) => r.nonFiniteShare > 0);
  const epsLines = [
    `${eps.length} rows with 0 < γ < 1 and ε > 0; ${epsFailing.length} non-finite: ` +
    (epsFailing.length === 0 ? "none" : [
      ...new Set(
        epsFailing.map((r) =>
          `${precisionSource(r)} ${r.loss} ε = ${r.epsilon} γ = ${r.gamma} (bound ${
            bound(r).toExponential(1)
          })`
        ),
      ),
    ].join("; ")),
    `rows against the rule: ${
      eps.filter((r) => (r.nonFiniteShare === 0) !== (r.epsilon >= bound(r))).length
    }`,
  ];

  // The exact mode.
  const exact = rows.filter((r) => r.mode === "exact");
  const finite = exact.every((r) => r.nonFiniteShare === 0 && r.nonFiniteLossShare === 0);
  const awayFromCusp = exact.filter((r) => r.quality === null);
  const over = [
    ...new Set(
      awayFromCusp.filter((r) => r.maxUlpError > 8).map((r) => `${r.backend} · ${r.precision}`),
    ),
  ];
  const exactLines = [...new Set(exact.map((r) => `${r.backend} · ${r.precision}`))].map((key) => {
    const of = exact.filter((r) => `${r.backend} · ${r.precision}` === key);
    const hard = of.filter((r) => r.quality === null);
    const soft = of.filter((r) => r.quality !== null);
    const max = (xs: typeof of, f: (r: (typeof of)[number]) => number) =>
      xs.length === 0 ? 0 : Math.max(...xs.map(f));
    return `${key}: ${of.filter((r) => r.nonFiniteShare > 0).length} of ${of.length} rows ` +
      `non-finite; ≤ ${max(hard, (r) => r.maxUlpError).toFixed(1)} ulps (hard targets), ` +
      `≤ ${max(soft, (r) => r.maxUlpError).toFixed(1)} ulps next to Quality's soft cusp, ` +
      `absolute error near 0 ≤ ${max(of, (r) => r.maxAbsoluteErrorNearZero).toExponential(1)}`;
  });
  const extra = data.note === null ? [] : [data.note];
  return [
    {
      title: titles.onset,
      claim: claims.onset,
      verdict: onsetOk ? "agree" : "disagree",
      measured: [...onsetLines, ...extra],
      links,
    },
    {
      title: titles.epsilon,
      claim: claims.epsilon,
      verdict: epsOk ? "agree" : "disagree",
      measured: epsLines,
      links,
    },
    {
      title: titles.exact,
      claim: claims.exact,
      verdict: !finite ? "disagree" : over.length === 0 ? "agree" : "partly agree",
      measured: [
        ...exactLines,
        ...(over.length === 0 ? [] : [`finite everywhere; above 8 ulps: ${over.join(", ")}`]),
      ],
      links,
    },
  ];
}
