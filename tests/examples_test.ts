import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { trainLayers } from "../examples/deno/train_layers.ts";

Deno.test(
  name("examples/deno: a tfjs-layers model trains with focalLoss, finite and falling"),
  async () => {
    const { first, last } = await trainLayers(10);
    assert.ok(Number.isFinite(first) && Number.isFinite(last), `${first}, ${last}`);
    assert.ok(last < first, `the loss did not fall: ${first} -> ${last}`);
  },
);
