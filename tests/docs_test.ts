// The user's guide and docs/ stay true to the tree: every relative link
// names a file that exists, and every `deno task NAME` names a task of
// deno.json.
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const PAGES = [
  "README.md",
  "CHANGELOG.md",
  ...[...Deno.readDirSync(new URL("docs/", ROOT))]
    .filter((e) => e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`),
];
const TASKS = Object.keys(
  JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT))).tasks as Record<string, unknown>,
);

/** Relative link targets of a markdown page (anchors and URLs left out). */
export function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1].split("#")[0])
    .filter((target) => target !== "" && !/^[a-z]+:/.test(target));
}

/** The task names in `deno task NAME` (and `npx -y deno@… task NAME`) of a page. */
export function taskNames(markdown: string): string[] {
  return [...markdown.matchAll(/deno(?:@[\d.]+)? task ([a-z][\w:-]*)/g)].map((m) => m[1]);
}

Deno.test("every relative link in README.md and docs/ names a file that exists", () => {
  assert.ok(PAGES.length >= 6, `only ${PAGES.length} pages found`);
  for (const page of PAGES) {
    for (const target of relativeLinks(Deno.readTextFileSync(new URL(page, ROOT)))) {
      const file = new URL(target, new URL(page, ROOT));
      assert.ok(
        (() => {
          try {
            Deno.statSync(file);
            return true;
          } catch {
            return false;
          }
        })(),
        `${page}: link to ${target}, which does not exist`,
      );
    }
  }
});

Deno.test("every `deno task` named in README.md and docs/ exists", () => {
  let named = 0;
  for (const page of PAGES) {
    for (const task of taskNames(Deno.readTextFileSync(new URL(page, ROOT)))) {
      assert.ok(TASKS.includes(task), `${page}: deno task ${task} is not in deno.json`);
      named++;
    }
  }
  assert.ok(named > 10, `only ${named} task names found`);
});

Deno.test("the checks can fail: a missing link and an unknown task are found", () => {
  assert.deepEqual(relativeLinks("[a](docs/nope.md) [b](https://x.y) [c](#here)"), [
    "docs/nope.md",
  ]);
  assert.deepEqual(
    taskNames("run `npx -y deno@2.9.6 task reproduce` or `deno task bench:versus`"),
    [
      "reproduce",
      "bench:versus",
    ],
  );
});

Deno.test("README.md is a user's guide: at most 15,000 characters", () => {
  const length = [...Deno.readTextFileSync(new URL("README.md", ROOT))].length;
  assert.ok(length <= 15000, `README.md has ${length} characters`);
});
