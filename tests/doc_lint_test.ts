import assert from "node:assert/strict";
import { parseDocLint, unexcused } from "../scripts/doc_lint.ts";

// Two diagnostics as Deno 2.9.6 prints them (colours kept, as a terminal gets them).
const OUTPUT = [
  "\x1b[1m\x1b[31merror[private-type-ref]\x1b[0m: \x1b[1mpublic type 'sigmoidFocalLoss' " +
  "references private type 'Tensor'\x1b[0m",
  "   --> /work/main/lib/losses/sigmoid_focal_loss.ts:60:1",
  "",
  "error[private-type-ref]: public type 'f' references private type 'Hidden'",
  "   --> /tmp/m.ts:4:1",
  "error[missing-jsdoc]: exported symbol is missing JSDoc documentation",
  "   --> /tmp/m.ts:5:1",
  "error: Found 3 documentation lint errors.",
].join("\n");

Deno.test("parseDocLint reads each diagnostic's rule and referenced type", () => {
  assert.deepEqual(parseDocLint(OUTPUT), [
    {
      rule: "private-type-ref",
      message: "public type 'sigmoidFocalLoss' references private type 'Tensor'",
      referenced: "Tensor",
    },
    {
      rule: "private-type-ref",
      message: "public type 'f' references private type 'Hidden'",
      referenced: "Hidden",
    },
    {
      rule: "missing-jsdoc",
      message: "exported symbol is missing JSDoc documentation",
      referenced: undefined,
    },
  ]);
});

Deno.test("unexcused keeps every diagnostic except a reference to the upstream's public type", () => {
  const left = unexcused(parseDocLint(OUTPUT), new Set(["Tensor", "tensor"]));
  assert.deepEqual(left.map((d) => d.referenced ?? d.rule), ["Hidden", "missing-jsdoc"]);
  assert.equal(unexcused(parseDocLint(OUTPUT), new Set()).length, 3);
});
