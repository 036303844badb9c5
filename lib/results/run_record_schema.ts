// The JSON Schema of a run record (a line of runs.jsonl), built from the
// record's TypeScript type: every `required` list below is checked, when the
// project type-checks, to name exactly the keys of RunRecord, RunOutcome and
// the required parts of its config and provenance. results/schema/
// run_record.schema.json is this object written out (a test keeps it equal;
// rewrite it with `deno run --allow-write scripts/write_run_record_schema.ts`).
import type { RunConfig, RunOutcome, RunRecord } from "./run_records.ts";

/** Keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/**
 * `keys`, checked to be exactly the required keys of T: a missing key or
 * one T does not require is a type error at the call.
 */
function requiredKeys<T>() {
  return <const K extends readonly RequiredKeys<T>[]>(
    keys: K & (Exclude<RequiredKeys<T>, K[number]> extends never ? unknown : never),
  ): K => keys;
}

type RecordProvenance = RunRecord["provenance"];

/** The outcome's keys, in the records' order. */
export const OUTCOME_KEYS = requiredKeys<RunOutcome>()([
  "status",
  "completedEpochs",
  "nanEpoch",
  "nanStep",
  "epochLosses",
]);

const RECORD_KEYS = requiredKeys<RunRecord>()([
  "experiment",
  "runId",
  "index",
  "profile",
  "config",
  ...OUTCOME_KEYS,
  "provenance",
]);

/** Of the config, what every experiment records (noise, model and the protocol). */
const CONFIG_KEYS = requiredKeys<RunConfig>()([
  "gamma",
  "alpha",
  "stabilization",
  "epsilon",
  "noise",
  "model",
  "optimizer",
  "learningRate",
  "epochs",
  "batchSize",
  "trainSamples",
]);

/** Of the provenance, what the schema requires (the rest is informative). */
const PROVENANCE_KEYS = [
  "packageVersion",
  "gitCommit",
  "tfjsVersion",
  "backend",
  "adapter",
  "profile",
  "seed",
  "startedAt",
  "finishedAt",
  "wallSeconds",
] as const satisfies readonly (keyof RecordProvenance)[];

/** The schema, draft-07. */
export const RUN_RECORD_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://jsr.io/@focal/stability/results/schema/run_record.schema.json",
  title: "One training run of a focal-stability experiment (a line of runs.jsonl)",
  type: "object",
  required: RECORD_KEYS,
  properties: {
    experiment: {
      enum: [
        "mnist-classification",
        "cifar10-classification",
        "mnist-segmentation",
        "unet-horizon",
        "variants",
        "webgl-half-precision",
      ],
    },
    runId: { type: "string", minLength: 1 },
    index: { type: "integer", minimum: 0 },
    // paper, default, smoke, or an experiment's own (mnist-segmentation's width4).
    profile: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
    config: {
      type: "object",
      required: CONFIG_KEYS,
      properties: {
        // −1: computed per batch (the Adaptive Focal Loss), as alpha −1 is none.
        gamma: { anyOf: [{ type: "number", minimum: 0 }, { const: -1 }] },
        alpha: { type: "number" },
        stabilization: { enum: ["none", "epsilon", "exact"] },
        epsilon: { type: "number", minimum: 0 },
        noise: { enum: ["none", "medium", "high"] },
        threshold: { type: "integer", minimum: 0, maximum: 8 },
        model: { type: "string" },
        optimizer: { enum: ["sgd", "adam"] },
        learningRate: { type: "number", exclusiveMinimum: 0 },
        momentum: { type: "number", minimum: 0 },
        epochs: { type: "integer", minimum: 1 },
        batchSize: { type: "integer", minimum: 1 },
        trainSamples: { type: ["integer", "null"], minimum: 1 },
        repeat: { type: "integer", minimum: 1 },
        precision: { enum: ["float32", "float16", "bfloat16"] },
        loss: { enum: ["unified", "adaptive", "quality"] },
        focus: { anyOf: [{ type: "number", minimum: 0 }, { const: -1 }] },
        adaptiveGamma: { enum: ["first", "mean"] },
        authors: { const: true },
        targets: { enum: ["hard", "soft"] },
        clip: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 0.5 },
      },
      if: { properties: { optimizer: { const: "sgd" } } },
      then: { required: ["momentum"] },
    },
    status: { enum: ["completed", "nan"] },
    completedEpochs: { type: "integer", minimum: 0 },
    nanEpoch: { type: ["integer", "null"], minimum: 1 },
    nanStep: { type: ["integer", "null"], minimum: 1 },
    epochLosses: { type: "array", items: { type: "number" } },
    nanTerms: {
      type: "array",
      items: { enum: ["focal", "tversky", "factor", "crossEntropy"] },
    },
    logitRange: { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 },
    steps: { type: "integer", minimum: 0 },
    maxAbsLogit: { type: "array", items: { type: "number" } },
    unchangedWeightShare: { type: "array", items: { type: "number", minimum: 0, maximum: 1 } },
    epochMetrics: {
      type: "object",
      required: ["accuracyLogitOverHalf", "accuracy", "logitMin", "logitMax"],
      additionalProperties: false,
      properties: {
        accuracyLogitOverHalf: { type: "array", items: { type: "number", minimum: 0, maximum: 1 } },
        accuracy: { type: "array", items: { type: "number", minimum: 0, maximum: 1 } },
        logitMin: { type: "array", items: { type: "number" } },
        logitMax: { type: "array", items: { type: "number" } },
        backgroundLogitMin: { type: "array", items: { type: ["number", "null"] } },
        foregroundLogitMax: { type: "array", items: { type: ["number", "null"] } },
        backgroundSaturated: {
          type: "array",
          items: { type: "number", minimum: 0, maximum: 1 },
        },
        foregroundSaturated: {
          type: "array",
          items: { type: "number", minimum: 0, maximum: 1 },
        },
      },
    },
    provenance: {
      type: "object",
      required: PROVENANCE_KEYS,
      properties: {
        packageVersion: { type: "string" },
        gitCommit: { type: "string" },
        tfjsVersion: { type: "string" },
        backend: { enum: ["cpu", "wasm", "webgpu", "webgl"] },
        adapter: { type: ["string", "null"] },
        adapterInfo: {
          type: "object",
          required: ["description", "vendor", "architecture", "fallback", "shaderF16", "limits"],
          properties: {
            fallback: { type: "boolean" },
            shaderF16: { type: "boolean" },
            limits: { type: "object", additionalProperties: { type: "number" } },
          },
        },
        profile: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
        seed: { type: "integer" },
        startedAt: { type: "string", format: "date-time" },
        finishedAt: { type: "string", format: "date-time" },
        wallSeconds: { type: "number", minimum: 0 },
        resumed: {
          type: "object",
          required: ["epoch", "step", "gitCommit", "gitDirty"],
          properties: {
            epoch: { type: "integer", minimum: 1 },
            step: { type: "integer", minimum: 0 },
            gitCommit: { type: "string" },
            gitDirty: { type: "boolean" },
          },
        },
      },
    },
  },
  if: { properties: { status: { const: "nan" } } },
  then: { properties: { nanEpoch: { type: "integer" }, nanStep: { type: "integer" } } },
  else: { properties: { nanEpoch: { type: "null" }, nanStep: { type: "null" } } },
};
