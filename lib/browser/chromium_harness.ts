// Driving the package in Debian's headless Chromium: bundle tests/browser/
// page.ts for the browser, serve it and tfjs-wasm's binaries on 127.0.0.1,
// and open it in a fresh profile with playwright-core. Used by the browser
// tests (tests/browser/), the webgl experiment and the bench's webgl precision grid.
import { chromium, type Page } from "playwright-core";

export const EXECUTABLE: string = Deno.env.get("FOCAL_CHROMIUM") ?? "/usr/bin/chromium";
const WASM_DIR = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);

/** The flags every launch gets (Chromium on a machine with a closed network). */
const FLAGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** webgl on SwiftShader's WebGL2 (ANGLE), which computes in float32. */
export const WEBGL_FLAGS: string[] = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"];

/** Whether Chromium is installed where the harness looks. */
export function hasBrowser(): boolean {
  try {
    return Deno.statSync(EXECUTABLE).isFile;
  } catch {
    return false;
  }
}

/** What the harness serves as its page: a script to bundle, and the HTML that loads it. */
export interface PageSource {
  /** The script, bundled to /page.js. */
  entry: URL;
  /** index.html; it loads /page.js (or what `entry` is bundled to). */
  html: string;
  /** Where the bundle is served, e.g. "main.js". @default {"page.js"} */
  bundleName?: string;
  /** Waited for on load: a global the page defines, or null for none. @default {"runCases"} */
  ready?: string | null;
}

/**
 * The default page, tests/browser/page.ts: the browser tests' cases, which
 * the webgl experiment and the precision bench run too.
 */
const TEST_PAGE: PageSource = {
  entry: new URL("../../tests/browser/page.ts", import.meta.url),
  html: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
};

/** Bundles the page for the browser into `dir`. */
async function bundle(dir: string, page: PageSource): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "-o",
      `${dir}/${page.bundleName ?? "page.js"}`,
      page.entry.pathname,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
  await Deno.writeTextFile(`${dir}/index.html`, page.html);
}

/** Bytes the harness serves beside the page, by path (e.g. a training set under /data/). */
export type ServedFiles = Map<string, Uint8Array<ArrayBuffer>>;

/** Serves `dir`, tfjs-backend-wasm's binaries under /wasm/, and `files` on 127.0.0.1. */
function serve(dir: string, files: ServedFiles): Deno.HttpServer<Deno.NetAddr> {
  const types: Record<string, string> = {
    html: "text/html",
    js: "text/javascript",
    wasm: "application/wasm",
  };
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    const bytes = files.get(path);
    if (bytes !== undefined) {
      return new Response(bytes, { headers: { "content-type": "application/octet-stream" } });
    }
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

/** One page load: Chromium's flags and the page's query (`?f16=1`). */
export interface Launch {
  flags: string[];
  query?: string;
}

/** A bundled, served page, opened once per launch. */
export interface Harness {
  /** Opens the page in a fresh browser with `launch`'s flags, runs `fn`, closes it. */
  open<T>(launch: Launch, fn: (page: Page, errors: string[]) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Bundles and serves the page and `files`; `close()` stops the server and removes the bundle. */
export async function startHarness(
  files: ServedFiles = new Map(),
  page: PageSource = TEST_PAGE,
): Promise<Harness> {
  const dir = await Deno.makeTempDir({ prefix: "focal-browser-" });
  await bundle(dir, page);
  const server = serve(dir, files);
  const ready = page.ready === undefined ? "runCases" : page.ready;
  return {
    async open(launch, fn) {
      const profile = await Deno.makeTempDir({ prefix: "focal-chromium-" });
      const browser = await chromium.launchPersistentContext(profile, {
        executablePath: EXECUTABLE,
        headless: true,
        args: [...FLAGS, ...launch.flags],
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(`http://127.0.0.1:${server.addr.port}/${launch.query ?? ""}`);
        if (ready !== null) await page.waitForFunction((name) => name in globalThis, ready);
        return await fn(page, errors);
      } finally {
        await browser.close();
        await Deno.remove(profile, { recursive: true });
      }
    },
    async close() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
