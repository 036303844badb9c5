// Figures are data: a Vega-Lite spec over JSON results, rendered to SVG
// headlessly (no canvas, no browser). Regenerate them; never edit the SVG.
import nodeProcess from "node:process";
import type * as Vega from "vega";
import type * as VegaLite from "vega-lite";

/** A Vega-Lite specification (kept loose: it is checked by vega-lite itself). */
export type VegaLiteSpec = Record<string, unknown>;

/** Node's flag that silences deprecation warnings (missing from @types/node). */
const process = nodeProcess as typeof nodeProcess & { noDeprecation?: boolean };

let modules: Promise<[typeof Vega, typeof VegaLite]> | null = null;

/**
 * vega and vega-lite, loaded on first use. vega's Node build loads node-fetch,
 * which loads Node's deprecated `punycode` module and prints a DEP0040
 * warning on every run; vega fetches nothing here (the specs carry their
 * data), so deprecation warnings are off while it loads, and only then.
 */
function loadVega(): Promise<[typeof Vega, typeof VegaLite]> {
  if (modules === null) {
    const before = process.noDeprecation;
    process.noDeprecation = true;
    modules = Promise.all([import("vega"), import("vega-lite")]).finally(() => {
      process.noDeprecation = before;
    });
  }
  return modules;
}

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await loadVega();
  const compiled = vl.compile(spec as unknown as VegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes `spec` rendered as SVG to `path`, creating its folder. */
export async function writeSvg(path: string, spec: VegaLiteSpec): Promise<void> {
  await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(path, await renderSvg(spec));
}
