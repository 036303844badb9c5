// The package in a real browser: bundles tests/browser/page.ts for the
// browser, serves it on loopback, drives Debian's Chromium headless with
// playwright-core, and checks every loss's values and gradients there against
// what Deno computes on the same backend, on cpu and wasm (and webgpu where
// the browser offers an adapter: SwiftShader's, against Mesa's in Deno).
//
// Run by `deno task test:browser` (part of `deno task test`), with
// --allow-all: playwright-core reads /proc/sys/fs/binfmt_misc/WSLInterop to
// detect WSL, which Deno grants only with every permission. Without
// Chromium (FOCAL_CHROMIUM, default /usr/bin/chromium) the test is skipped
// with a message, unless FOCAL_REQUIRE_BROWSER=1 (set by .ci/run, which
// installs it), where that fails.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, describeAdapter, useBackend } from "../../lib/backends/use_backend.ts";
import { type CaseResult, computeCases } from "./_cases.ts";

const EXECUTABLE = Deno.env.get("FOCAL_CHROMIUM") ?? "/usr/bin/chromium";
const REQUIRED = Deno.env.get("FOCAL_REQUIRE_BROWSER") === "1";
const HERE = new URL(".", import.meta.url);
const WASM_DIR = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
/** Largest |browser − Deno| allowed, relative to max(1, |Deno|). */
const TOLERANCE: Record<BackendName, number> = { cpu: 1e-6, wasm: 1e-6, webgpu: 1e-5 };

function hasBrowser(): boolean {
  try {
    return Deno.statSync(EXECUTABLE).isFile;
  } catch {
    return false;
  }
}

/** Bundles the page for the browser into `dir`. */
async function bundle(dir: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "-o",
      `${dir}/page.js`,
      new URL("page.ts", HERE).pathname,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
  await Deno.writeTextFile(
    `${dir}/index.html`,
    '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
  );
}

/** Serves `dir` and tfjs-backend-wasm's binaries under /wasm/ on 127.0.0.1. */
function serve(dir: string): Deno.HttpServer<Deno.NetAddr> {
  const types: Record<string, string> = {
    html: "text/html",
    js: "text/javascript",
    wasm: "application/wasm",
  };
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    const file = path.startsWith("/wasm/")
      ? new URL(path.slice("/wasm/".length), WASM_DIR).pathname
      : `${dir}${path === "/" ? "/index.html" : path}`;
    try {
      const body = await Deno.readFile(file);
      const type = types[file.split(".").pop() ?? ""] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

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

/** The flags every launch gets (Chromium on a machine with a closed network). */
const FLAGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/**
 * cpu and wasm run with the GPU off; webgpu in a second launch on
 * SwiftShader's software Vulkan (`--enable-unsafe-swiftshader`), the only
 * adapter a headless Chromium without a GPU can offer.
 */
const LAUNCHES: { backends: BackendName[]; flags: string[] }[] = [
  { backends: ["cpu", "wasm"], flags: ["--disable-gpu"] },
  { backends: ["webgpu"], flags: ["--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"] },
];

type CasesPage = { runCases(backend: string): Promise<CaseResult[] | null> };

/**
 * Compares the browser's cases with Deno's on `backend`, printing the result:
 * every finite entry within TOLERANCE, every NaN at the same place (the
 * original mode's NaN gradients included), the stable modes finite.
 */
async function check(backend: BackendName, inBrowser: CaseResult[]): Promise<void> {
  await useBackend(backend);
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

Deno.test({
  name: "the losses in Chromium equal Deno's on cpu and wasm (webgpu where offered)",
  ignore: !hasBrowser() && !REQUIRED,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.ok(hasBrowser(), `FOCAL_REQUIRE_BROWSER=1 but there is no Chromium at ${EXECUTABLE}`);
    const dir = await Deno.makeTempDir({ prefix: "focal-browser-" });
    await bundle(dir);
    const server = serve(dir);
    try {
      for (const { backends, flags } of LAUNCHES) {
        const profile = await Deno.makeTempDir({ prefix: "focal-chromium-" });
        const browser = await chromium.launchPersistentContext(profile, {
          executablePath: EXECUTABLE,
          headless: true,
          args: [...FLAGS, ...flags],
        });
        try {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(String(e)));
          await page.goto(`http://127.0.0.1:${server.addr.port}/`);
          await page.waitForFunction(() => "runCases" in globalThis);
          console.log(`  ${await page.evaluate(() => navigator.userAgent)} ${flags.join(" ")}`);
          for (const backend of backends) {
            const inBrowser = await page.evaluate(
              (b) => (globalThis as unknown as CasesPage).runCases(b),
              backend,
            );
            if (inBrowser === null) {
              assert.equal(backend, "webgpu", `the browser could not start ${backend}`);
              console.log("  webgpu: this browser offers no adapter, skipped");
              continue;
            }
            if (backend === "webgpu" && (await describeAdapter()) === null) {
              console.log("  webgpu: Deno has no adapter here to compare with, skipped");
              continue;
            }
            await check(backend, inBrowser);
          }
          assert.deepEqual(errors, [], "errors on the page");
        } finally {
          await browser.close();
          await Deno.remove(profile, { recursive: true });
        }
      }
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
      tf.disposeVariables();
    }
  },
});
