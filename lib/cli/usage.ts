// Usage errors and the one line a failed command prints; see exit_cleanly.ts,
// which installs them as the process's handlers.

/** A bad command line: a wrong option value, an unknown name. Exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Runs `parse` (a check of an option's value): its RangeError becomes a UsageError. */
export function option<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message, { cause: e }) : e;
  }
}

/** The `--debug` option, for a command's parseArgs options. */
export const DEBUG_OPTION = { debug: { type: "boolean", default: false } } as const;

/** node:util parseArgs's own errors (unknown option, missing value) are usage errors too. */
export function isUsage(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** The one line printed for `error`. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // parseArgs's advice on positionals that start with '-' is left out.
  const line = message.split("\n")[0].replace(/^(Unknown option '[^']*')\..*$/, "$1")
    .replace(/\.$/, "");
  return isUsage(error) ? `error: ${line} (--help lists the options)` : `error: ${line}`;
}
