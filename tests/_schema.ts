// A run record's validator, compiled by Ajv from the one schema definition
// (lib/results/run_record_schema.ts).
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { RUN_RECORD_SCHEMA } from "../lib/results/run_record_schema.ts";

const ajv = new Ajv.default({ allErrors: true });
addFormats.default(ajv);

/** Validates one record; its `errors` say why not. */
export const validateRecord = ajv.compile(RUN_RECORD_SCHEMA);
