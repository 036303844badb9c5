// The Vega-Lite spec of Figures 5 and 6: per-epoch training loss (or, for
// Figure 5, training accuracy) of each run, original and stabilized side by
// side, with a cross at the epoch where a run met a NaN, drawn over the
// paper's published curves (dashed), which are shown up to the later of our
// last epoch and the paper's first NaN.
import type { RunRecord } from "../results/run_records.ts";
import type { VegaLiteSpec } from "./render_svg.ts";

/** Options of {@linkcode lossCurvesSpec}. */
export interface LossCurvesOptions {
  title: string;
  /** The line a record belongs to within its panel (e.g. its noise level or model). */
  series: (record: RunRecord) => string;
  /** The paper's published curves to draw beneath ours. */
  reference?: ReferenceCurve[];
  /**
   * What to draw: the loss (log scale), or the accuracy as the official
   * script counts it (logit > 0.5; records with `epochMetrics`). @default {"loss"}
   */
  metric?: "loss" | "accuracy";
}

/** A published loss curve: its panel (by loss), its line's name, its finite epochs. */
export interface ReferenceCurve {
  stabilization: "none" | "epsilon";
  series: string;
  epochLosses: number[];
  /** Its training accuracy per epoch, where published (Figure 5). */
  epochAccuracy?: number[];
  /** The epoch in which the paper's run met its NaN, or null. */
  nanEpoch: number | null;
}

const PANELS = { none: "(a) original focal loss", epsilon: "(b) stabilized, Eq. (11)" };

/** The loss curves of `records` (Figures 5, 6) as a Vega-Lite spec. */
export function lossCurvesSpec(
  records: RunRecord[],
  { title, series, reference = [], metric = "loss" }: LossCurvesOptions,
): VegaLiteSpec {
  const panel = (r: RunRecord) => PANELS[r.config.stabilization as keyof typeof PANELS] ?? "exact";
  const ours = (r: RunRecord) =>
    metric === "loss" ? r.epochLosses : r.epochMetrics?.accuracyLogitOverHalf ?? [];
  const theirs = (c: ReferenceCurve) => metric === "loss" ? c.epochLosses : c.epochAccuracy ?? [];
  // "loss" is the y field whatever the metric: one spec for both.
  const lines = records.flatMap((r) =>
    ours(r).map((loss, i) => ({
      panel: panel(r),
      series: series(r),
      epoch: i + 1,
      loss,
    }))
  );
  // The cross sits at the NaN epoch, at the last finite loss (or the first
  // epoch's start when the run never finished an epoch).
  const crosses = records.filter((r) => r.status === "nan").map((r) => ({
    panel: panel(r),
    series: series(r),
    epoch: r.nanEpoch,
    loss: ours(r).at(-1) ?? null,
  }));
  const ourLast = Math.max(0, ...records.map((r) => ours(r).length + 1));
  const paperNans = reference.map((c) => c.nanEpoch).filter((e) => e !== null) as number[];
  const shown = Math.max(ourLast, paperNans.length > 0 ? Math.min(...paperNans) : 0);
  const paperLines = reference.flatMap((c) =>
    theirs(c).slice(0, shown).map((loss, i) => ({
      panel: PANELS[c.stabilization],
      series: `paper: ${c.series}`,
      epoch: i + 1,
      loss,
      kind: "paper",
    }))
  );
  const paperCrosses = reference.filter((c) => c.nanEpoch !== null && c.nanEpoch <= shown).map((
    c,
  ) => ({
    panel: PANELS[c.stabilization],
    series: `paper: ${c.series}`,
    epoch: c.nanEpoch,
    loss: theirs(c).at(-1) ?? null,
    kind: "nan",
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    facet: { column: { field: "panel", type: "nominal", title: null } },
    data: {
      values: [
        ...lines.map((l) => ({ ...l, kind: "loss" })),
        ...crosses.map((c) => ({ ...c, kind: "nan" })),
        ...paperLines,
        ...paperCrosses,
      ],
    },
    spec: {
      width: 300,
      height: 220,
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch" },
        y: metric === "loss"
          ? { field: "loss", type: "quantitative", title: "training loss", scale: { type: "log" } }
          : {
            field: "loss",
            type: "quantitative",
            title: "training accuracy (logit > 0.5, as the official script)",
            scale: { zero: false },
          },
        color: { field: "series", type: "nominal", title: null },
      },
      layer: [
        { transform: [{ filter: "datum.kind === 'loss'" }], mark: { type: "line", point: true } },
        {
          transform: [{ filter: "datum.kind === 'paper'" }],
          mark: { type: "line", strokeDash: [4, 3], opacity: 0.7 },
        },
        {
          transform: [{ filter: "datum.kind === 'nan' && datum.loss !== null" }],
          mark: { type: "point", shape: "cross", size: 120, filled: true },
        },
      ],
    },
  };
}
