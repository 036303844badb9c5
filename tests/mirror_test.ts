import assert from "node:assert/strict";

/** The .ts files of a folder, without their extension. */
function names(folder: string): string[] {
  return [...Deno.readDirSync(new URL(`../${folder}/`, import.meta.url))]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => e.name.slice(0, -3));
}

Deno.test("every loss has its test and its bench, named after it", () => {
  const losses = names("lib/losses").filter((n) => n.endsWith("_focal_loss") && !n.startsWith("_"));
  assert.ok(losses.length >= 5, `found only ${losses.join(", ")}: the walk is broken`);
  const tests = new Set(names("tests"));
  const benches = new Set(names("bench"));
  for (const loss of losses) {
    assert.ok(tests.has(`${loss}_test`), `tests/${loss}_test.ts`);
    // The layers adapter is a factory over the sigmoid and softmax losses: no kernel to time.
    if (loss !== "layers_focal_loss") {
      assert.ok(benches.has(`${loss}_bench`), `bench/${loss}_bench.ts`);
    }
  }
});
