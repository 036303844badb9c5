// The package in a real browser: bundles tests/browser/page.ts for the
// browser, serves it on loopback, drives Debian's Chromium headless with
// playwright-core (lib/browser/chromium_harness.ts), and checks every loss's
// values and gradients there against what Deno computes beside it: on cpu
// and wasm against the same backend, webgpu where the browser offers an
// adapter (SwiftShader's, against Mesa's in Deno), and webgl twice, on
// SwiftShader's WebGL2: with float32 textures against Deno's cpu backend,
// and with half-float textures forced (WEBGL_FORCE_F16_TEXTURES, one page
// load) against the emulated float16 backend that stores as webgl does
// (lib/precision/), NaN for NaN. SwiftShader computes in float32 and stores
// half floats, so this shows the storage rounding; it says nothing of a
// phone GPU's mediump arithmetic.
//
// Run by `deno task test --only browser` (part of `deno task test`), with
// --allow-all: playwright-core reads /proc/sys/fs/binfmt_misc/WSLInterop to
// detect WSL, which Deno grants only with every permission. Without
// Chromium (FOCAL_CHROMIUM, default /usr/bin/chromium) the test is skipped
// with a message, unless FOCAL_REQUIRE_BROWSER=1 (set by .ci/run, which
// installs it), where that fails, as does a missing webgl context.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, describeAdapter, useBackend } from "../../lib/backends/use_backend.ts";
import { registerEmulatedBackend } from "../../lib/precision/emulated_backend.ts";
import {
  type Figure2PrecisionOptions,
  figure2PrecisionRows,
  type PrecisionRow,
} from "../../lib/analysis/figure2_precision.ts";
import { type CaseResult, computeCases } from "./_cases.ts";
import {
  EXECUTABLE,
  hasBrowser,
  startHarness,
  WEBGL_FLAGS,
} from "../../lib/browser/chromium_harness.ts";

const REQUIRED = Deno.env.get("FOCAL_REQUIRE_BROWSER") === "1";

/** What the browser computes on, and what Deno compares it with. */
type Target = BackendName | "webgl-float32" | "webgl-float16";

/**
 * Largest |browser − Deno| allowed, relative to max(1, |Deno|): float32
 * roundoff compounded over the ~20 ops of a loss, and on half floats the
 * same in units of float16's roundoff 2^−11 (webgl rounds its float32
 * results once more than the emulation rounds float64 ones).
 */
const TOLERANCE: Record<Target, number> = {
  cpu: 1e-6,
  wasm: 1e-6,
  webgpu: 1e-5,
  "webgl-float32": 1e-4,
  "webgl-float16": 8 * 2 ** -11,
};

/** How two runs of one case differ. */
interface Difference {
  /** Largest |got − expected| / max(1, |expected|) over entries finite in both. */
  worst: number;
  /** Entries NaN (or ±∞) in one run and not the same in the other. */
  mismatched: number;
}

function compare(expected: CaseResult, got: CaseResult): Difference {
  let worst = 0;
  let mismatched = 0;
  for (const key of ["value", "grad"] as const) {
    const e = expected[key];
    const g = got[key];
    assert.equal(g.length, e.length, `${expected.name}: ${key} length`);
    for (let i = 0; i < e.length; i++) {
      if (Number.isFinite(e[i]) && Number.isFinite(g[i])) {
        worst = Math.max(worst, Math.abs(g[i] - e[i]) / Math.max(1, Math.abs(e[i])));
      } else if (!Object.is(e[i], g[i])) {
        mismatched++;
      }
    }
  }
  return { worst, mismatched };
}

/**
 * cpu and wasm run with the GPU off; webgpu in a second launch on
 * SwiftShader's software Vulkan (`--enable-unsafe-swiftshader`), the only
 * adapter a headless Chromium without a GPU can offer; webgl on
 * SwiftShader's WebGL2, once per texture precision.
 */
const LAUNCHES: { targets: Target[]; flags: string[]; query?: string }[] = [
  { targets: ["cpu", "wasm"], flags: ["--disable-gpu"] },
  { targets: ["webgpu"], flags: ["--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"] },
  { targets: ["webgl-float32"], flags: WEBGL_FLAGS, query: "?f16=0" },
  { targets: ["webgl-float16"], flags: WEBGL_FLAGS, query: "?f16=1" },
];

/** Selects in Deno what the browser's target is compared with. */
async function useDenoSide(target: Target): Promise<void> {
  if (target === "webgl-float32") return useBackend("cpu");
  if (target === "webgl-float16") {
    await tf.setBackend(registerEmulatedBackend("float16", { overflow: "nan" }));
    return;
  }
  return useBackend(target);
}

/** The precision grid the webgl launches compare, a third of its γ. */
const GRID_CHECK: Omit<Figure2PrecisionOptions, "precision" | "backend"> = {
  gammas: [0.1, 0.5, 0.9, 2],
  epsilons: [1e-6, 1e-3],
};

type BrowserPage = {
  runCases(backend: string): Promise<CaseResult[] | null>;
  runPrecisionRows(options: typeof GRID_CHECK): Promise<PrecisionRow[] | null>;
};

/**
 * Compares the browser's cases with Deno's on `backend`, printing the result:
 * every finite entry within TOLERANCE, every NaN at the same place (the
 * original mode's NaN gradients included), the stable modes finite.
 */
async function check(backend: Target, inBrowser: CaseResult[]): Promise<void> {
  await useDenoSide(backend);
  const inDeno = await computeCases();
  assert.deepEqual(inBrowser.map((c) => c.name), inDeno.map((c) => c.name));
  let worst = 0;
  inDeno.forEach((expected, i) => {
    const { worst: w, mismatched } = compare(expected, inBrowser[i]);
    worst = Math.max(worst, w);
    assert.equal(mismatched, 0, `${expected.name}: non-finite entries differ on ${backend}`);
    if (!expected.name.endsWith(" none")) {
      assert.ok(
        [...inBrowser[i].value, ...inBrowser[i].grad].every(Number.isFinite),
        `${expected.name}: not finite in the browser on ${backend}`,
      );
    }
  });
  const nans = inDeno.reduce((s, c) => s + c.grad.filter(Number.isNaN).length, 0);
  console.log(
    `  ${backend}: ${inDeno.length} cases agree, largest relative difference ${
      worst.toExponential(1)
    }; ${nans} NaN gradients of the original mode at the same places`,
  );
  assert.ok(worst <= TOLERANCE[backend], `${backend}: difference ${worst}`);
  assert.ok(nans > 0, "the cases reach the original mode's NaN");
}

/**
 * The precision grid on webgl against the same grid in Deno (the cpu
 * backend for float32 textures, the emulation for half floats): for every
 * row the same share of non-finite gradients and the same edges.
 */
async function checkGrid(target: Target, inBrowser: PrecisionRow[]): Promise<void> {
  await useDenoSide(target);
  const precision = target === "webgl-float16" ? "float16" : "float32";
  const inDeno = await figure2PrecisionRows({ ...GRID_CHECK, precision });
  assert.equal(inBrowser.length, inDeno.length);
  const key = (r: PrecisionRow) => [r.nonFiniteShare, r.nonFiniteBelow, r.nonFiniteAbove];
  inDeno.forEach((expected, i) => {
    const got = inBrowser[i];
    const what =
      `${expected.loss} ${expected.mode} ε=${expected.epsilon} γ=${expected.gamma} t=${expected.target}`;
    assert.deepEqual(key(got), key(expected), `${target} grid, ${what}: [share, below, above]`);
    if (expected.mode === "exact") assert.equal(got.nonFiniteShare, 0, what);
  });
  const unstable = inDeno.filter((r) => r.nonFiniteShare > 0).length;
  console.log(
    `  ${target}: Figure 2's grid, ${inDeno.length} rows with the same NaN shares and edges (${unstable} with NaN)`,
  );
}

Deno.test({
  name:
    "the losses in Chromium equal Deno's on cpu, wasm, webgl (float32 and half-float textures), webgpu where offered",
  ignore: !hasBrowser() && !REQUIRED,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.ok(hasBrowser(), `FOCAL_REQUIRE_BROWSER=1 but there is no Chromium at ${EXECUTABLE}`);
    const harness = await startHarness();
    try {
      for (const { targets, flags, query } of LAUNCHES) {
        await harness.open({ flags, query }, async (page, errors) => {
          console.log(`  ${await page.evaluate(() => navigator.userAgent)} ${flags.join(" ")}`);
          for (const target of targets) {
            const backend = target.startsWith("webgl") ? "webgl" : target;
            const inBrowser = await page.evaluate(
              (b) => (globalThis as unknown as BrowserPage).runCases(b),
              backend,
            );
            if (inBrowser === null) {
              if (backend === "webgl" && !REQUIRED) {
                console.log("  webgl: this browser could not create a context, skipped");
                continue;
              }
              assert.equal(backend, "webgpu", `the browser could not start ${backend}`);
              console.log("  webgpu: this browser offers no adapter, skipped");
              continue;
            }
            if (backend === "webgpu" && (await describeAdapter()) === null) {
              console.log("  webgpu: Deno has no adapter here to compare with, skipped");
              continue;
            }
            await check(target, inBrowser);
            if (backend === "webgl") {
              const rows = await page.evaluate(
                (o) => (globalThis as unknown as BrowserPage).runPrecisionRows(o),
                GRID_CHECK,
              );
              await checkGrid(target, rows!);
            }
          }
          assert.deepEqual(errors, [], "errors on the page");
        });
      }
    } finally {
      await harness.close();
      await useBackend("cpu");
      tf.disposeVariables();
    }
  },
});
