// Static imports of the project's modules, read from their source: shared by
// the tests of what mod.ts reaches and of the layering of lib/.

/** The specifiers of `source`'s static imports and re-exports. */
export function importSpecifiers(source: string): string[] {
  // One statement at a time (no quote or semicolon inside), so that strings
  // in the code are never taken for one.
  const statements = /^[ \t]*(?:(?:import|export)\s[^"';]*?\sfrom|import)\s*["']([^"']+)["']/gm;
  return [...source.matchAll(statements)].map((m) => m[1]);
}

/**
 * The project's own modules `entry` reaches through static imports, and the
 * non-relative specifiers they import (npm packages, `node:` modules).
 */
export async function importGraph(entry: URL): Promise<{ files: URL[]; external: Set<string> }> {
  const seen = new Set<string>();
  const files: URL[] = [];
  const external = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file.href)) continue;
    seen.add(file.href);
    files.push(file);
    for (const specifier of importSpecifiers(await Deno.readTextFile(file))) {
      if (specifier.startsWith(".")) pending.push(new URL(specifier, file));
      else external.add(specifier);
    }
  }
  return { files, external };
}
