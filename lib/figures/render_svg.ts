// Figures are data: a Vega-Lite spec over JSON results, rendered to SVG
// headlessly (no canvas, no browser). Regenerate them; never edit the SVG.
import * as vega from "vega";
import * as vl from "vega-lite";

/** A Vega-Lite specification (kept loose: it is checked by vega-lite itself). */
export type VegaLiteSpec = Record<string, unknown>;

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
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
