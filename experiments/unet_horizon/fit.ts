// Where a run's logits would cross float32's saturation: the growth of the
// most negative background logit's magnitude (and of the most positive
// foreground logit) over the steps, fitted and extrapolated to
// FLOAT32_SATURATING_LOGIT. Two growth laws, each a least-squares line in
// log steps pivoted at the data's mean, its interval from the slope's ±2
// standard errors:
//   power law:   ln y = ln ȳ + k·(ln s − mean ln s)
//   logarithmic: y = ȳ + b·(ln s − mean ln s)
// A logit magnitude that grows like a power of the steps crosses sooner
// than one that grows like their logarithm (the implicit bias of gradient
// descent on separable data): the two bracket the horizon.

/** A least-squares line y = mean y + slope·(x − mean x), with the slope's standard error. */
export interface LineFit {
  meanX: number;
  meanY: number;
  slope: number;
  /** Standard error of the slope; NaN with fewer than 3 points. */
  slopeSe: number;
  points: number;
}

/** The least-squares line through (xs, ys). */
export function lineFit(xs: readonly number[], ys: readonly number[]): LineFit {
  const n = xs.length;
  if (n !== ys.length || n < 2) throw new RangeError(`lineFit needs 2 or more points: ${n}`);
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - meanX) ** 2;
    sxy += (xs[i] - meanX) * (ys[i] - meanY);
  }
  const slope = sxy / sxx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i] - meanY - slope * (xs[i] - meanX)) ** 2;
  const slopeSe = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : NaN;
  return { meanX, meanY, slope, slopeSe, points: n };
}

/** An extrapolated crossing: the step, and its interval (null: never, at that slope). */
export interface Crossing {
  law: "power" | "logarithmic";
  step: number | null;
  /** From the slope's +2 and −2 standard errors (the earlier crossing first). */
  interval: [number | null, number | null];
  fit: LineFit;
}

/** The step at which a fit in log steps reaches `target` (in the fit's y units), or null. */
function crossingAt(fit: LineFit, target: number, slope: number): number | null {
  if (!(slope > 0)) return null;
  return Math.exp(fit.meanX + (target - fit.meanY) / slope);
}

/**
 * Where magnitudes y (> 0) at `steps` reach `target` under both laws.
 * Throws a RangeError with fewer than 2 points or a non-positive value.
 */
export function crossings(
  steps: readonly number[],
  magnitudes: readonly number[],
  target: number,
): Crossing[] {
  if (magnitudes.some((y) => !(y > 0)) || steps.some((s) => !(s > 0))) {
    throw new RangeError("crossings needs positive steps and magnitudes");
  }
  const lnSteps = steps.map(Math.log);
  const laws = [
    { law: "power" as const, fit: lineFit(lnSteps, magnitudes.map(Math.log)), y: Math.log(target) },
    { law: "logarithmic" as const, fit: lineFit(lnSteps, magnitudes), y: target },
  ];
  return laws.map(({ law, fit, y }) => {
    const se = Number.isFinite(fit.slopeSe) ? fit.slopeSe : 0;
    return {
      law,
      step: crossingAt(fit, y, fit.slope),
      interval: [crossingAt(fit, y, fit.slope + 2 * se), crossingAt(fit, y, fit.slope - 2 * se)],
      fit,
    };
  });
}
