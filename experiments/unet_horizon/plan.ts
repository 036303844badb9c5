// What `--plan` says of the U-Net widths from the committed horizon runs
// (results/horizon/unet-horizon/runs.jsonl, `deno task experiment
// unet-horizon --profile paper --out results/horizon`): per width, where its
// original run's NaN is expected (the two growth laws, fit.ts) and what
// training to it costs at the step time that run measured here. No GPU step
// time has been measured for these widths.
import { readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import { formatDuration } from "../_plan.ts";
import { secondsPerStep, sideCrossings, sidesOf } from "./report.ts";

/** Where the committed horizon runs are, from the repository's root. */
export const HORIZON_RECORDS = new URL(
  "../../results/horizon/unet-horizon/runs.jsonl",
  import.meta.url,
).pathname;

/** One line per width of `records`: its expected NaN and what reaching it costs here. */
export function horizonLines(records: RunRecord[]): string[] {
  return [...records].sort((a, b) => Number(a.config.width) - Number(b.config.width)).map((r) => {
    const width = Number(r.config.width);
    if (r.status === "nan") return `width ${width}: met its NaN in epoch ${r.nanEpoch} (measured)`;
    const perStep = secondsPerStep(r);
    const crossings = sidesOf(r).map((s) => ({ s, c: sideCrossings(r, s) })).filter((x) =>
      x.c !== null
    );
    if (crossings.length === 0) {
      return `width ${width}: ${r.completedEpochs} epoch(s) recorded, too few to extrapolate`;
    }
    const [power, log] = [0, 1].map((k) =>
      Math.min(...crossings.map(({ c }) => c![k].step ?? Infinity))
    );
    const cost = (steps: number) =>
      Number.isFinite(steps) ? formatDuration(steps * perStep) : "never at that growth";
    const n = (steps: number) =>
      Number.isFinite(steps) ? Math.round(steps).toExponential(1) : "never";
    return `width ${width}: NaN expected near step ${n(power)} (power law) to ${n(log)} ` +
      `(logarithm), from ${r.completedEpochs} epochs; here, at the ${
        (perStep * 1000).toFixed(0)
      } ms a step it measured: ${cost(power)} to ${cost(log)}; on a GPU: not measured`;
  });
}

/** The lines from the committed horizon runs, or one line saying there are none. */
export async function horizonPlanNotes(path = HORIZON_RECORDS): Promise<string[]> {
  const records = await readRecords(path);
  return records.length === 0
    ? ["U-Net horizon: no committed runs (results/horizon/unet-horizon/runs.jsonl)"]
    : horizonLines(records).map((line) => `U-Net horizon, ${line}`);
}
