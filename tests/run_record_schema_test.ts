import assert from "node:assert/strict";
import { OUTCOME_KEYS, RUN_RECORD_SCHEMA } from "../lib/results/run_record_schema.ts";

Deno.test("results/schema/run_record.schema.json is the schema of lib/results, written out", async () => {
  const written = JSON.parse(
    await Deno.readTextFile(new URL("../results/schema/run_record.schema.json", import.meta.url)),
  );
  assert.deepEqual(
    written,
    JSON.parse(JSON.stringify(RUN_RECORD_SCHEMA)),
    "run `deno run --allow-write scripts/write_run_record_schema.ts`",
  );
});

Deno.test("the schema requires the outcome's fields and describes each", () => {
  for (const key of OUTCOME_KEYS) {
    assert.ok(RUN_RECORD_SCHEMA.required.includes(key), key);
    assert.ok(key in RUN_RECORD_SCHEMA.properties, key);
  }
  for (const key of RUN_RECORD_SCHEMA.required) {
    assert.ok(key in RUN_RECORD_SCHEMA.properties, `${key} is required but not described`);
  }
  for (const part of ["config", "provenance"] as const) {
    const { required, properties } = RUN_RECORD_SCHEMA.properties[part];
    for (const key of required) assert.ok(key in properties, `${part}.${key}`);
  }
});
