import assert from "node:assert/strict";
import { importSpecifiers } from "./_imports.ts";

const ROOT = new URL("../", import.meta.url);

/** Every .ts file under `dir` (relative to the repository), recursively. */
async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await tsFiles(path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The repository-relative files `file` imports, and its other specifiers. */
async function importsOf(file: string): Promise<{ local: string[]; external: string[] }> {
  const specifiers = importSpecifiers(await Deno.readTextFile(new URL(file, ROOT)));
  const base = new URL(file, ROOT);
  return {
    local: specifiers.filter((s) => s.startsWith("."))
      .map((s) => new URL(s, base).href.slice(ROOT.href.length)),
    external: specifiers.filter((s) => !s.startsWith(".")),
  };
}

/** The kernel folder a file lives in ("focal", "runtime", …), or null. */
function kernelFolder(file: string): string | null {
  return file.match(/^lib\/kernels\/([^/]+)\//)?.[1] ?? null;
}

/**
 * Who may import each kernel folder (lib/kernels/README.md): the folder
 * itself and these prefixes. Tests and benches may import anything.
 */
const IMPORTERS: Record<string, string[]> = {
  focal: ["lib/losses/"],
  gradients: ["lib/models/"],
  threads: ["lib/kernels/focal/", "lib/kernels/gradients/", "threads.ts"],
  training: ["lib/models/binary_cnn.ts", "lib/models/_batch_norm.ts", "lib/train/"],
  runtime: [
    "lib/kernels/",
    "lib/losses/_with_gradient.ts",
    "lib/losses/_unified_fused.ts",
    "lib/train/",
  ],
  generated: ["lib/kernels/"],
};

/** What each kernel folder may import besides itself. */
const IMPORTS: Record<string, string[]> = {
  focal: ["runtime", "generated", "threads"],
  gradients: ["runtime", "generated", "threads"],
  threads: ["runtime", "generated"],
  training: ["runtime", "generated"],
  runtime: [],
  generated: [],
};

Deno.test("lib/ imports nothing from experiments/, bench/, scripts/ or tests/", async () => {
  for (const file of await tsFiles("lib")) {
    for (const target of (await importsOf(file)).local) {
      assert.ok(!/^(experiments|bench|scripts|tests)\//.test(target), `${file} imports ${target}`);
    }
  }
});

Deno.test("each kernel folder is imported only by those its README names", async () => {
  const files = [...await tsFiles("lib"), "mod.ts", "threads.ts"];
  let checked = 0;
  for (const file of files) {
    const from = kernelFolder(file);
    for (const target of (await importsOf(file)).local) {
      const to = kernelFolder(target);
      if (to === null || to === from) continue;
      checked++;
      assert.ok(
        IMPORTERS[to]?.some((prefix) => file.startsWith(prefix)),
        `${file} imports ${target}: lib/kernels/${to}/ is for ${IMPORTERS[to]?.join(", ")}`,
      );
      if (from !== null) {
        assert.ok(IMPORTS[from].includes(to), `lib/kernels/${from}/ may not import ${target}`);
      }
    }
  }
  assert.ok(checked > 20, `only ${checked} imports checked: the walk is broken`);
});

Deno.test("generated modules import nothing; the runtime only tfjs", async () => {
  for (const file of await tsFiles("lib/kernels/generated")) {
    const { local, external } = await importsOf(file);
    assert.deepEqual([...local, ...external], [], file);
  }
  for (const file of await tsFiles("lib/kernels/runtime")) {
    const { local, external } = await importsOf(file);
    assert.deepEqual(local, [], file);
    assert.ok(external.every((s) => s === "@tensorflow/tfjs"), `${file}: ${external}`);
  }
});

/** Every .ts file of the repository's code folders and root entries. */
async function allCode(): Promise<string[]> {
  const files = ["mod.ts", "analysis.ts", "threads.ts"];
  for (const dir of ["lib", "bench", "experiments", "scripts", "examples", "tests"]) {
    files.push(...await tsFiles(dir));
  }
  return files;
}

const folderOf = (path: string) => path.slice(0, path.lastIndexOf("/") + 1);

Deno.test("a _-prefixed file is imported only from its own folder and below (tests excepted)", async () => {
  let checked = 0;
  for (const file of await allCode()) {
    if (file.startsWith("tests/")) continue;
    for (const target of (await importsOf(file)).local) {
      const name = target.slice(target.lastIndexOf("/") + 1);
      if (!name.startsWith("_")) continue;
      checked++;
      assert.ok(
        file.startsWith(folderOf(target)),
        `${file} imports ${target}, private to ${folderOf(target)}`,
      );
    }
  }
  assert.ok(checked > 20, `only ${checked} private imports seen: the walk is broken`);
});

/** The top-level folder of a path ("." for the root's entries). */
const topOf = (path: string) => path.includes("/") ? path.slice(0, path.indexOf("/")) : ".";

Deno.test("no import cycle between top-level folders; bench/ and experiments/ import neither other", async () => {
  const edges = new Map<string, Set<string>>();
  for (const file of await allCode()) {
    for (const target of (await importsOf(file)).local) {
      if (!target.endsWith(".ts")) continue; // deno.json, read for the version, imports nothing
      const [from, to] = [topOf(file), topOf(target)];
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  assert.ok(edges.get("bench")?.has("lib"), "bench imports lib: the walk is broken");
  assert.ok(!edges.get("bench")?.has("experiments"), "bench/ imports experiments/");
  assert.ok(!edges.get("experiments")?.has("bench"), "experiments/ imports bench/");
  // Depth-first search for a cycle among the folders.
  const state = new Map<string, "open" | "done">();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === "done") return;
    assert.notEqual(state.get(node), "open", `import cycle: ${[...path, node].join(" → ")}`);
    state.set(node, "open");
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, "done");
  };
  for (const node of edges.keys()) visit(node, []);
});
