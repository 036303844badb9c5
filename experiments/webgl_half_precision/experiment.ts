// deno task experiment:webgl [--profile default|smoke] [--out results] [--seed 0]
//
// (Not in the paper.) The MNIST CNN trained where browser users train it:
// tfjs's webgl backend in Chromium (SwiftShader's WebGL2, which computes in
// float32), once with float32 textures and once with half-float textures
// forced (WEBGL_FORCE_F16_TEXTURES, one page load each). Each run's record
// goes to <out>/webgl-half-precision/runs.jsonl as it ends (a rerun skips
// the recorded ones), with `precision` in its config, the steps it took, the
// largest |logit| of each epoch (how far it got towards saturation) and the
// share of weights each epoch left unchanged (updates below half-float
// resolution). Then the figure, figures/webgl_half_precision.svg.
import { DEBUG_OPTION, option, UsageError } from "../../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { loadMnist } from "../../lib/data/mnist.ts";
import { binarize } from "../../lib/data/binary_mnist.ts";
import { stratifiedSample } from "../../lib/data/subsets.ts";
import { provenance } from "../../lib/results/provenance.ts";
import { appendRecord, readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import { writeSvg } from "../../lib/figures/render_svg.ts";
import {
  hasBrowser,
  type ServedFiles,
  startHarness,
  WEBGL_FLAGS,
} from "../../lib/browser/chromium_harness.ts";
import type { WebglTrainingResult, WebglTrainingSpec } from "./training_spec.ts";
import { PROFILES, type Texture, type WebglProfile, webglRuns } from "./profiles.ts";
import { webglHalfPrecisionSpec } from "./report.ts";

/** The experiment's name: its folder under the results root. */
export const WEBGL_EXPERIMENT = "webgl-half-precision";

/** The images of the runs (one stratified subset for every threshold's targets) and targets. */
async function trainingSet(
  profile: WebglProfile,
  seed: number,
  dataDir: string | undefined,
): Promise<ServedFiles> {
  const mnist = await loadMnist("train", { dataDir });
  const pixels = mnist.rows * mnist.cols;
  // Stratified on the threshold-0 labels (the rarer class), shared by both thresholds.
  const indices = stratifiedSample(binarize(mnist.labels, 0), profile.trainSamples, seed);
  const images = new Uint8Array(indices.length * pixels);
  indices.forEach((src, dst) =>
    images.set(mnist.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels)
  );
  const files: ServedFiles = new Map([["/data/images.bin", images]]);
  for (const threshold of profile.thresholds) {
    const all = binarize(mnist.labels, threshold);
    const targets = Float32Array.from(indices, (i) => all[i]);
    files.set(`/data/targets-${threshold}.bin`, new Uint8Array(targets.buffer));
  }
  return files;
}

/**
 * Trains the profile's runs that `<out>/webgl-half-precision/runs.jsonl` does
 * not hold yet, in Chromium, and returns all of its records; null where no
 * Chromium is installed.
 */
export async function runWebglHalfPrecision(
  profile: WebglProfile,
  { out, seed, dataDir }: { out: string; seed: number; dataDir?: string },
): Promise<RunRecord[] | null> {
  if (!hasBrowser()) return null;
  const path = `${out}/${WEBGL_EXPERIMENT}/runs.jsonl`;
  const done = new Set((await readRecords(path)).map((r) => r.runId));
  const all = webglRuns(profile);
  const todo = all.filter((r) => !done.has(r.runId));
  if (todo.length > 0) {
    const harness = await startHarness(await trainingSet(profile, seed, dataDir));
    try {
      for (const texture of ["float32", "float16"] as Texture[]) {
        const runs = todo.filter((r) => r.texture === texture);
        if (runs.length === 0) continue;
        const query = `?f16=${texture === "float16" ? 1 : 0}`;
        await harness.open({ flags: WEBGL_FLAGS, query }, async (page, errors) => {
          const userAgent = await page.evaluate(() => navigator.userAgent);
          for (const run of runs) {
            const spec: WebglTrainingSpec = {
              config: run.config,
              seed: seed * 1000 + run.threshold,
              targets: `/data/targets-${run.threshold}.bin`,
            };
            console.error(`[webgl ${run.index + 1}/${all.length}] ${run.runId}`);
            const startedAt = new Date();
            const result = await page.evaluate(
              (s) =>
                (globalThis as unknown as {
                  trainOnWebgl(s: WebglTrainingSpec): Promise<WebglTrainingResult | null>;
                }).trainOnWebgl(s),
              spec,
            );
            if (result === null) throw new Error("Chromium could not create a webgl context");
            const finishedAt = new Date();
            await appendRecord(path, {
              experiment: WEBGL_EXPERIMENT,
              runId: run.runId,
              index: run.index,
              profile: profile.name,
              config: run.config,
              ...result,
              provenance: {
                ...(await provenance()),
                backend: "webgl",
                adapter: `SwiftShader WebGL2 (${texture} textures), ${userAgent}`,
                profile: profile.name,
                seed,
                startedAt: startedAt.toISOString(),
                finishedAt: finishedAt.toISOString(),
                wallSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
              },
            } as RunRecord);
          }
          if (errors.length > 0) throw new Error(`errors on the page: ${errors.join("; ")}`);
        });
      }
    } finally {
      await harness.close();
    }
  }
  const ids = new Set(all.map((r) => r.runId));
  return (await readRecords(path)).filter((r) => ids.has(r.runId)).sort((a, b) =>
    a.index - b.index
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      profile: { type: "string", default: "default" },
      out: { type: "string", default: "results" },
      seed: { type: "string", default: "0" },
      "data-dir": { type: "string" },
      ...DEBUG_OPTION,
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "deno task experiment:webgl [--profile default|smoke] [--out results] [--seed 0] [--data-dir DIR]\n" +
        Object.values(PROFILES).map((p) => `  ${p.name}: ${p.description}`).join("\n"),
    );
    Deno.exit(0);
  }
  const profile = option(() => {
    const p = PROFILES[values.profile as WebglProfile["name"]];
    if (p === undefined) {
      throw new UsageError(`--profile must be default or smoke: received ${values.profile}`);
    }
    return p;
  });
  const seed = option(() => {
    const s = Number(values.seed);
    if (!Number.isInteger(s)) {
      throw new UsageError(`--seed must be an integer: received ${values.seed}`);
    }
    return s;
  });
  const records = await runWebglHalfPrecision(profile, {
    out: values.out,
    seed,
    dataDir: values["data-dir"],
  });
  if (records === null) {
    console.log(`no Chromium: ${WEBGL_EXPERIMENT} skipped (apt-get install chromium)`);
    Deno.exit(0);
  }
  await writeSvg(`${values.out}/figures/webgl_half_precision.svg`, webglHalfPrecisionSpec(records));
  for (const r of records) {
    console.log(
      `${r.runId}: ${r.status}${
        r.status === "nan" ? ` at epoch ${r.nanEpoch}, step ${r.nanStep}` : ""
      }`,
    );
  }
  tf.disposeVariables();
}
