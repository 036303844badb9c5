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

/**
 * Renders a Vega-Lite spec to an SVG string: the same bytes for the same
 * spec, whatever the process drew before (stableIds).
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await loadVega();
  const compiled = vl.compile(spec as unknown as VegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return stableIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * vega numbers the gradients and clip paths of an SVG from process-wide
 * counters, so a figure drawn after another came out with other ids
 * (gradient_2 for gradient_0). Renumbers them from 0 in order of
 * appearance, each definition and its references alike.
 */
export function stableIds(svg: string): string {
  const ids = new Map<string, string>();
  const counts = new Map<string, number>();
  return svg.replace(/(id="|url\(#)(gradient_|clip)(\d+)/g, (_, lead, prefix, n) => {
    const key = `${prefix}${n}`;
    if (!ids.has(key)) {
      const next = counts.get(prefix) ?? (prefix === "clip" ? 1 : 0);
      counts.set(prefix, next + 1);
      ids.set(key, `${prefix}${next}`);
    }
    return `${lead}${ids.get(key)}`;
  });
}

/** Writes `spec` rendered as SVG to `path`, creating its folder. */
export async function writeSvg(path: string, spec: VegaLiteSpec): Promise<void> {
  await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(path, await renderSvg(spec));
}
