import assert from "node:assert/strict";
import { renderSvg, stableIds } from "../lib/figures/render_svg.ts";

/** A heat map: vega draws its colour legend with a gradient. */
const HEAT = {
  data: { values: [{ x: "a", y: "b", v: 1 }, { x: "b", y: "a", v: 2 }] },
  mark: "rect",
  encoding: {
    x: { field: "x", type: "nominal" },
    y: { field: "y", type: "nominal" },
    color: { field: "v", type: "quantitative" },
  },
};

Deno.test("a figure's bytes depend on its spec alone, not on what the process drew before", async () => {
  const first = await renderSvg(HEAT);
  assert.match(first, /id="gradient_0"/);
  const again = await renderSvg(HEAT);
  assert.equal(again, first);
});

Deno.test("stableIds renumbers gradients and clip paths in order, references with them", () => {
  const svg = '<linearGradient id="gradient_7"/><clipPath id="clip9"/>' +
    '<path fill="url(#gradient_7)" clip-path="url(#clip9)"/><linearGradient id="gradient_3"/>' +
    '<rect fill="url(#gradient_3)"/>';
  assert.equal(
    stableIds(svg),
    '<linearGradient id="gradient_0"/><clipPath id="clip1"/>' +
      '<path fill="url(#gradient_0)" clip-path="url(#clip1)"/><linearGradient id="gradient_1"/>' +
      '<rect fill="url(#gradient_1)"/>',
  );
});
