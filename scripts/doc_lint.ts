// deno task check: `deno doc --lint mod.ts analysis.ts threads.ts`, the check JSR's
// generated reference rests on, with one excuse that is Deno's, not ours.
// Deno 2.9.6 flags every public signature that names `tf.Tensor` as
// "references private type 'Tensor'": its visibility check counts only the
// exports of our own entry points as public, and exempts types that live in
// another package only when that package's module is not a `file:` one
// (denoland/deno#27364, fixed for jsr: and https: by PR #34339), while npm
// packages always resolve to `file:` paths. Re-exporting `Tensor` instead
// would pull tfjs's whole type surface into our reference (48 lint errors in
// tfjs's own declarations, measured). So a `private-type-ref` counts as
// excused only when the type it names is a public export of
// @tensorflow/tfjs itself; every other diagnostic fails the task.
import * as tf from "@tensorflow/tfjs";

/** One diagnostic of `deno doc --lint`, as its first line states it. */
export interface DocDiagnostic {
  rule: string;
  message: string;
  /** For private-type-ref: the name of the private type referenced. */
  referenced?: string;
}

/** The diagnostics in `deno doc --lint`'s output (colour codes removed). */
export function parseDocLint(output: string): DocDiagnostic[] {
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  return [...plain.matchAll(/^error\[([a-z-]+)\]: (.*)$/gm)].map(([, rule, message]) => ({
    rule,
    message,
    referenced: message.match(/references private type '([^']+)'/)?.[1],
  }));
}

/** The diagnostics left once those naming an upstream package's public type are excused. */
export function unexcused(
  diagnostics: DocDiagnostic[],
  upstreamPublic: ReadonlySet<string>,
): DocDiagnostic[] {
  return diagnostics.filter((d) =>
    !(d.rule === "private-type-ref" && d.referenced !== undefined &&
      upstreamPublic.has(d.referenced))
  );
}

if (import.meta.main) {
  const entryPoints = Deno.args.length > 0 ? Deno.args : ["mod.ts", "analysis.ts", "threads.ts"];
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...entryPoints],
    env: { NO_COLOR: "1" },
  }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  const diagnostics = parseDocLint(output);
  const left = unexcused(diagnostics, new Set(Object.keys(tf)));
  if (!success && diagnostics.length === 0) {
    console.error(output);
    Deno.exit(1);
  }
  if (left.length > 0) {
    console.error(output);
    console.error(`deno doc --lint: ${left.length} diagnostic(s) not excused:`);
    for (const d of left) console.error(`  ${d.rule}: ${d.message}`);
    Deno.exit(1);
  }
  const excused = diagnostics.length;
  console.log(
    `deno doc --lint ${entryPoints.join(" ")}: clean` +
      (excused > 0
        ? ` (${excused} private-type-ref to @tensorflow/tfjs's public types excused: ` +
          `${[...new Set(diagnostics.map((d) => d.referenced))].join(", ")})`
        : ""),
  );
}
