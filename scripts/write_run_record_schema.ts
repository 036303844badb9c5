// Writes results/schema/run_record.schema.json from lib/results/run_record_schema.ts,
// the one definition (tests/run_record_schema_test.ts keeps the two equal).
//   deno run --allow-write scripts/write_run_record_schema.ts
import { RUN_RECORD_SCHEMA } from "../lib/results/run_record_schema.ts";

const path = new URL("../results/schema/run_record.schema.json", import.meta.url);
await Deno.writeTextFile(path, JSON.stringify(RUN_RECORD_SCHEMA, null, 2) + "\n");
console.log(`wrote ${path.pathname}`);
