// Child of experiments/analysis/analysis.ts: Figure 2's grid with precision as a dimension,
// printed as one JSON object. Ours on the cpu backend (float32) and on the
// emulated float16 and bfloat16 backends; torchvision's loss and Appendix
// A.3's, emulated as PyTorch's kernels compute them, in all three; and ours
// on webgl in Chromium (SwiftShader's WebGL2) with float32 and with
// half-float textures, one page load each, where Chromium is installed.
// Also records whether each WebGPU adapter offers `shader-f16`.
// ANALYSIS_QUICK=1 takes three γ and one ε (PRECISION_QUICK).
import * as tf from "@tensorflow/tfjs";
import { describeAdapter, useBackend } from "../../lib/backends/use_backend.ts";
import {
  type Figure2PrecisionOptions,
  figure2PrecisionRows,
  PRECISION_GRID,
  type PrecisionRow,
  torchvisionPrecisionRows,
} from "../../lib/analysis/figure2_precision.ts";
import { registerEmulatedBackend } from "../../lib/precision/emulated_backend.ts";
import { PRECISIONS } from "../../lib/precision/round_to_precision.ts";
import { hasBrowser, startHarness, WEBGL_FLAGS } from "../../lib/browser/chromium_harness.ts";
import { PRECISION_QUICK } from "./profiles.ts";

const quick = Deno.env.get("ANALYSIS_QUICK") === "1";
const options: Omit<Figure2PrecisionOptions, "precision"> = quick ? PRECISION_QUICK : {};
const progress = (what: string) => console.error(`  figure 2 in precision: ${what}`);

const rows: PrecisionRow[] = [];
await useBackend("cpu");
progress("cpu, float32");
rows.push(...await figure2PrecisionRows({ ...options, precision: "float32" }));
for (const precision of ["float16", "bfloat16"] as const) {
  progress(`cpu-emulated, ${precision}`);
  await tf.setBackend(registerEmulatedBackend(precision));
  rows.push(
    ...await figure2PrecisionRows({ ...options, precision, backend: "cpu-emulated" }),
  );
}
await useBackend("cpu");
for (const precision of PRECISIONS) {
  progress(`torchvision emulated, ${precision}`);
  rows.push(...torchvisionPrecisionRows(precision, options));
}

type Page = {
  runPrecisionRows(o: typeof options): Promise<PrecisionRow[] | null>;
  describeWebgl(): Promise<Record<string, unknown> | null>;
  describeWebgpu(): Promise<Record<string, unknown> | null>;
};
const webgl: Record<string, unknown>[] = [];
let chromiumWebgpu: Record<string, unknown> | null = null;
let note: string | null = null;
if (hasBrowser()) {
  const harness = await startHarness();
  try {
    for (const f16 of [false, true]) {
      progress(`webgl in Chromium, ${f16 ? "half-float" : "float32"} textures`);
      await harness.open({ flags: WEBGL_FLAGS, query: `?f16=${f16 ? 1 : 0}` }, async (page) => {
        const info = await page.evaluate(() => (globalThis as unknown as Page).describeWebgl());
        const got = await page.evaluate(
          (o) => (globalThis as unknown as Page).runPrecisionRows(o),
          options,
        );
        if (info === null || got === null) {
          throw new Error("Chromium could not create a webgl context");
        }
        webgl.push({ ...info, userAgent: await page.evaluate(() => navigator.userAgent) });
        rows.push(...got);
      });
    }
    await harness.open(
      { flags: ["--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"] },
      async (page) => {
        chromiumWebgpu = await page.evaluate(() =>
          (globalThis as unknown as Page).describeWebgpu()
        );
      },
    );
  } finally {
    await harness.close();
  }
} else {
  note = "no Chromium: the webgl rows were not measured (apt-get install chromium)";
  progress(note);
}

console.log(JSON.stringify({
  grid: { ...PRECISION_GRID, ...options },
  quick,
  webgl,
  webgpuAdapters: { deno: await describeAdapter(), chromium: chromiumWebgpu },
  note,
  rows,
}));
