import assert from "node:assert/strict";

/**
 * The project's own modules `entry` reaches through static imports, and the
 * non-relative specifiers they import (npm packages, `node:` modules).
 */
async function importGraph(entry: URL): Promise<{ files: URL[]; external: Set<string> }> {
  const seen = new Set<string>();
  const files: URL[] = [];
  const external = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file.href)) continue;
    seen.add(file.href);
    files.push(file);
    const source = await Deno.readTextFile(file);
    // Static imports and re-exports, one statement at a time (no quote or
    // semicolon inside), so that strings in the code are never taken for one.
    const statements = /^[ \t]*(?:(?:import|export)\s[^"';]*?\sfrom|import)\s*["']([^"']+)["']/gm;
    for (const [, specifier] of source.matchAll(statements)) {
      if (specifier.startsWith(".")) pending.push(new URL(specifier, file));
      else external.add(specifier);
    }
  }
  return { files, external };
}

/** Lines of code that use the Deno namespace, comments left out. */
function denoUses(source: string): string[] {
  return source.split("\n").filter((line) => {
    const code = line.replace(/\/\/.*$/, "").trim();
    return !code.startsWith("*") && !code.startsWith("/*") && /\bDeno\./.test(code);
  });
}

Deno.test("mod.ts reaches no node: module and no Deno API: it loads in a browser", async () => {
  const { files, external } = await importGraph(new URL("../mod.ts", import.meta.url));
  assert.ok(files.length > 20, `only ${files.length} files reached: the walk is broken`);
  assert.deepEqual([...external].filter((s) => s.startsWith("node:")), []);
  assert.deepEqual([...external].sort(), ["@tensorflow/tfjs"]);
  for (const file of files) {
    assert.deepEqual(denoUses(await Deno.readTextFile(file)), [], file.pathname);
  }
});

Deno.test("threads.ts is where node:worker_threads lives", async () => {
  const { external } = await importGraph(new URL("../threads.ts", import.meta.url));
  assert.ok(external.has("node:worker_threads"));
});
