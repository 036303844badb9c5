// The package as Node.js users get it from JSR's npm compatibility: its
// TypeScript compiled file by file to JavaScript ESM with .d.ts types
// (TypeScript 5.9 from npm, relative imports rewritten to .js), installed as
// node_modules/@focal/stability beside tfjs from npm (the same packages
// `deno install` fetched), then examples/node/example.mjs type-checked with
// tsc --checkJs as an editor would and run under the Node.js on PATH. Its
// values must equal Deno's on cpu and wasm, and its 2^20-element loss must
// have been split over the kernel threads (node:worker_threads).
//
// Run by `deno task test --only node` (part of `deno task test`), with --allow-all:
// it runs npm, tsc and node. Needs Node.js (the README's commands already
// do) and the npm registry.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backends/use_backend.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TYPESCRIPT = "typescript@5.9.3";
const NODE_TYPES = "@types/node@20";

/**
 * Run inside the built project: the example's output, and how many wasm
 * kernel calls the threads split (the package's internal counter, reached
 * through its built file, which only Node.js resolves).
 */
const CHECK_SPLIT = `import { main } from "./example.mjs";
import { kernelThreadSplitCalls } from "@focal/stability/lib/kernels/threads/kernel_threads.js";
const before = kernelThreadSplitCalls();
const result = await main();
console.log(JSON.stringify({ ...result, splitCalls: kernelThreadSplitCalls() - before }));
`;

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${text}\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

/** Builds a Node.js project in `dir` with the compiled package and the example. */
async function nodeProject(dir: string): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/package.json`,
    JSON.stringify({ private: true, type: "module" }),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--silent", TYPESCRIPT, NODE_TYPES], dir);
  // tfjs from npm: the packages `deno install` put in the repository's node_modules.
  await Deno.mkdir(`${dir}/node_modules/@tensorflow`, { recursive: true });
  for (const name of ["tfjs", "tfjs-backend-wasm"]) {
    await Deno.symlink(
      await Deno.realPath(`${ROOT}node_modules/@tensorflow/${name}`),
      `${dir}/node_modules/@tensorflow/${name}`,
    );
  }
  const pkg = `${dir}/node_modules/@focal/stability`;
  const tsc = `${dir}/node_modules/typescript/bin/tsc`;
  const common = [
    "--target",
    "es2022",
    "--lib",
    "es2022,dom",
    "--strict",
    "--skipLibCheck",
    "--typeRoots",
    `${dir}/node_modules/@types`,
    "--types",
    "node",
  ];
  await run("node", [
    tsc,
    "mod.ts",
    "threads.ts",
    "--outDir",
    pkg,
    "--declaration",
    "--rewriteRelativeImportExtensions",
    "--allowImportingTsExtensions",
    // ESM whatever the folder (the repository has no package.json saying "module").
    "--module",
    "es2022",
    "--moduleResolution",
    "bundler",
    ...common,
  ], ROOT);
  const entry = (file: string) => ({ types: `./${file}.d.ts`, default: `./${file}.js` });
  await Deno.writeTextFile(
    `${pkg}/package.json`,
    JSON.stringify({
      name: "@focal/stability",
      type: "module",
      exports: {
        ".": entry("mod"),
        "./threads": entry("threads"),
        "./lib/*": "./lib/*",
      },
    }),
  );
  await Deno.copyFile(`${ROOT}examples/node/example.mjs`, `${dir}/example.mjs`);
  await Deno.writeTextFile(`${dir}/check_split.mjs`, CHECK_SPLIT);
  // As a Node user's editor would: the example against the package's .d.ts.
  await run("node", [
    tsc,
    "--noEmit",
    "--allowJs",
    "--checkJs",
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    ...common,
    "example.mjs",
  ], dir);
}

function hasNode(): boolean {
  try {
    return new Deno.Command("node", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "Node.js: the package as JSR serves it to npm users, equal to Deno on cpu and wasm, threads split",
  ignore: !hasNode(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "focal-node-" });
    try {
      await nodeProject(dir);
      const { main } = await import("../../examples/node/example.mjs");
      const inDeno = await main();
      await useBackend("cpu");
      const version = (await run("node", ["--version"], dir)).trim();
      // Node.js 20's V8 compiles the wasm kernels (relaxed SIMD) only with this flag;
      // without it the losses run composed on wasm and on one thread.
      const relaxed = JSON.parse(
        await run("node", ["--experimental-wasm-relaxed-simd", "check_split.mjs"], dir),
      );
      for (const backend of ["cpu", "wasm"]) {
        assert.deepEqual(
          relaxed[backend],
          inDeno[backend],
          `${backend}: Node.js differs from Deno`,
        );
      }
      assert.deepEqual(relaxed.threads, inDeno.threads);
      assert.equal(relaxed.threads.threads, 2);
      assert.ok(relaxed.splitCalls >= 1, `the 2^20 loss was not split: ${relaxed.splitCalls}`);
      const plain = JSON.parse(await run("node", ["check_split.mjs"], dir));
      assert.deepEqual(plain.cpu, inDeno.cpu, "cpu: Node.js differs from Deno");
      const fused = version.startsWith("v20.") ? false : true;
      let worst = 0;
      for (
        const key of [
          "sigmoid",
          "sigmoidGrad",
          "softmax",
          "softmaxGrad",
          "adaptive",
          "adaptiveGrad",
        ] as const
      ) {
        (plain.wasm[key] as number[]).forEach((v, i) => {
          const e = (inDeno.wasm as Record<string, number[]>)[key][i];
          assert.ok(Number.isFinite(v), `wasm ${key}[${i}] not finite on plain Node.js`);
          worst = Math.max(worst, Math.abs(v - e) / Math.max(1, Math.abs(e)));
        });
      }
      assert.ok(worst <= 1e-6, `wasm on plain Node.js: ${worst}`);
      if (fused) assert.ok(plain.splitCalls >= 1);
      else assert.equal(plain.threads.threads, 1, "no kernel threads without relaxed SIMD");
      console.log(
        `  Node ${version}: with --experimental-wasm-relaxed-simd cpu and wasm equal Deno's bit for bit and ` +
          `${relaxed.splitCalls} wasm kernel call(s) split over 2 threads; plain: cpu equal, wasm ` +
          `within ${worst.toExponential(1)} (${
            fused ? "fused kernels" : "composed: no relaxed SIMD"
          }), ` +
          `${plain.threads.threads} thread(s)`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
      tf.disposeVariables();
    }
  },
});
