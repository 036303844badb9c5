import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { describeFailure, isUsage, option, UsageError } from "../lib/cli/usage.ts";
import { parseBackend } from "../lib/backends/use_backend.ts";

Deno.test("a bad option is one line that names it, and a usage error", () => {
  let error: unknown;
  try {
    parseArgs({ args: ["--bogus"], options: {}, allowPositionals: true });
  } catch (e) {
    error = e;
  }
  assert.ok(isUsage(error));
  assert.equal(
    describeFailure(error),
    "error: Unknown option '--bogus' (--help lists the options)",
  );
});

Deno.test("option() turns a RangeError of a value check into a usage error", () => {
  assert.equal(option(() => parseBackend("wasm")), "wasm");
  assert.throws(() => option(() => parseBackend("gpu")), UsageError);
  assert.throws(() => option(() => JSON.parse("{")), SyntaxError);
});

Deno.test("other failures are one line without the usage hint, and not usage errors", () => {
  const error = new RangeError("data/x: SHA-256 a, expected b: replace it\n    at somewhere");
  assert.equal(isUsage(error), false);
  assert.equal(describeFailure(error), "error: data/x: SHA-256 a, expected b: replace it");
  assert.equal(describeFailure("plain"), "error: plain");
});
