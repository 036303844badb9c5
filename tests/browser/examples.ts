// examples/browser/: the page a user copies, bundled as its comment says,
// served with tfjs-wasm's binaries, opened in Chromium; its result must be
// the finite gradient Deno computes on wasm. Run by `deno task test --only browser`.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backends/use_backend.ts";
import { sigmoidFocalLoss } from "../../mod.ts";
import { hasBrowser, startHarness } from "../../lib/browser/chromium_harness.ts";

const REQUIRED = Deno.env.get("FOCAL_REQUIRE_BROWSER") === "1";
const EXAMPLE = new URL("../../examples/browser/", import.meta.url);

Deno.test({
  name: "examples/browser: the page computes the finite gradient Deno computes on wasm",
  ignore: !hasBrowser() && !REQUIRED,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const harness = await startHarness(new Map(), {
      entry: new URL("main.ts", EXAMPLE),
      html: await Deno.readTextFile(new URL("index.html", EXAMPLE)),
      bundleName: "main.js",
      ready: null,
    });
    try {
      const shown = await harness.open({ flags: ["--disable-gpu"] }, async (page, errors) => {
        // A string: evaluated in the page, where `document` exists.
        await page.waitForFunction(
          'document.querySelector("#result")?.textContent?.startsWith("[")',
        );
        assert.deepEqual(errors, []);
        return JSON.parse((await page.textContent("#result"))!) as number[];
      });
      await useBackend("wasm");
      const targets = tf.tensor1d([0, 1, 1]);
      const grad = tf.grad((x: tf.Tensor) =>
        sigmoidFocalLoss(x, targets, { gamma: 0.5, reduction: "mean" })
      );
      const inDeno = Array.from(await grad(tf.tensor1d([-3, 0.2, 25])).data());
      assert.ok(shown.every(Number.isFinite), `not finite: ${shown}`);
      assert.deepEqual(shown, inDeno);
    } finally {
      await harness.close();
      await useBackend("cpu");
    }
  },
});
