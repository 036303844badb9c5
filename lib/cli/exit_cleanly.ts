// What every command of the project (deno task experiment, reproduce, report,
// merge, bench, bench:training, figures) does when it fails: it prints one
// line, "error: <what went wrong, where, what to do>", and exits with a
// non-zero status, 2 for a bad command line and 1 otherwise, without a stack
// trace. `--debug` (or FOCAL_DEBUG=1) prints the stack as well.
//
// Imported first by each command's entry module, for its side effect: the
// handlers catch what the module's top level throws or rejects, and a
// worker's failure that the runner rethrows.

import { describeFailure, isUsage } from "./usage.ts";

export { DEBUG_OPTION, describeFailure, option, UsageError } from "./usage.ts";

function fail(error: unknown): never {
  console.error(describeFailure(error));
  if (Deno.args.includes("--debug") || Deno.env.get("FOCAL_DEBUG") === "1") {
    console.error(error instanceof Error ? error.stack : error);
  }
  Deno.exit(isUsage(error) ? 2 : 1);
}

globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  fail(event.reason);
});

globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  fail(event.error ?? event.message);
});
