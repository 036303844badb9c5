// The half-precision training experiment's smoke profile, for real: the CNN
// trained in Chromium on webgl with float32 and half-float textures, records
// written and schema-valid, and a rerun resuming instead of retraining. Run
// by `deno task test --only browser` with --allow-all (playwright-core); skipped
// without Chromium unless FOCAL_REQUIRE_BROWSER=1.
import assert from "node:assert/strict";
import { readRecords } from "../../lib/results/run_records.ts";
import { validateRecord } from "../_schema.ts";
import { hasBrowser } from "../../lib/browser/chromium_harness.ts";
import { PROFILES } from "../../experiments/webgl_half_precision/profiles.ts";
import { runWebglHalfPrecision } from "../../experiments/webgl_half_precision/experiment.ts";

const REQUIRED = Deno.env.get("FOCAL_REQUIRE_BROWSER") === "1";

Deno.test({
  name: "webgl half precision (smoke): the CNN trains in Chromium with both texture precisions",
  ignore: !hasBrowser() && !REQUIRED,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "focal-webgl-training-" });
    try {
      const records = await runWebglHalfPrecision(PROFILES.smoke, { out, seed: 0 });
      assert.ok(records !== null, "no Chromium");
      assert.deepEqual(records.map((r) => r.runId), [
        "float32/threshold=0/none",
        "float32/threshold=0/exact",
        "float16/threshold=0/none",
        "float16/threshold=0/exact",
      ]);
      for (const r of records) {
        assert.ok(validateRecord(r), JSON.stringify(validateRecord.errors));
        assert.equal(r.provenance.backend, "webgl");
        assert.ok(r.provenance.adapter?.includes(`${r.config.precision} textures`));
        const steps = (r as unknown as { steps: number }).steps;
        assert.equal(steps, 2, "128 images in batches of 64, one epoch");
        if (r.config.stabilization === "exact") assert.equal(r.status, "completed");
      }
      // A rerun finds every run recorded and trains nothing.
      const path = `${out}/webgl-half-precision/runs.jsonl`;
      const before = await Deno.readTextFile(path);
      await runWebglHalfPrecision(PROFILES.smoke, { out, seed: 0 });
      assert.equal(await Deno.readTextFile(path), before);
      assert.equal((await readRecords(path)).length, 4);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
