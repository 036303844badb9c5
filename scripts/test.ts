// deno task test [--only PASS,...]     every pass, in order, stopping at the first failure
// deno task test:quick                 the cpu pass alone: the edit loop
//
// The test passes, each a child process with its own permissions, named
// once here: check (format, lint, type check, doc lint), the suite on cpu,
// wasm and webgpu (FOCAL_BACKEND), the doc examples, the browser tests
// (Chromium), the Node.js test, and JSR's publish dry run.
import { parseArgs } from "node:util";

/** What the suite may touch: test files, /tmp, loopback servers, child processes (npm, git, python3). */
const SUITE = [
  "--allow-read",
  "--allow-env",
  "--allow-write=/tmp",
  "--allow-net=127.0.0.1",
  "--allow-run",
  "--ignore=tests/node",
  "tests/",
];

/**
 * `deno test` through scripts/test_teardown.ts, for the passes whose Deno side
 * runs WebGPU: it tolerates Deno's known crash on exit after every test passed.
 */
const TEARDOWN = ["run", "--allow-run", "--allow-read", "--allow-env", "scripts/test_teardown.ts"];

/** Each pass: its deno arguments and environment. */
const PASSES: Record<string, { args: string[]; env?: Record<string, string> }> = {
  check: { args: ["task", "check"] },
  cpu: { args: ["test", ...SUITE], env: { FOCAL_BACKEND: "cpu" } },
  wasm: { args: ["test", ...SUITE], env: { FOCAL_BACKEND: "wasm" } },
  webgpu: { args: [...TEARDOWN, ...SUITE], env: { FOCAL_BACKEND: "webgpu" } },
  doc: {
    args: [
      "test",
      "--doc",
      "--allow-read",
      "--allow-env",
      "mod.ts",
      "analysis.ts",
      "threads.ts",
      "lib/",
    ],
  },
  browser: {
    args: [
      ...TEARDOWN,
      "--allow-all",
      "tests/browser/chromium.ts",
      "tests/browser/webgl_training.ts",
      "tests/browser/examples.ts",
    ],
  },
  node: { args: ["test", "--allow-all", "tests/node/node_test.ts"] },
  publish: { args: ["publish", "--dry-run", "--allow-dirty"] },
};

const { values } = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(`deno task test [--only ${Object.keys(PASSES).join(",")}]\ndeno task test:quick`);
  Deno.exit(0);
}
const chosen = values.quick ? ["cpu"] : values.only?.split(",") ?? Object.keys(PASSES);
const unknown = chosen.filter((p) => !(p in PASSES));
if (unknown.length > 0) {
  console.error(`--only takes ${Object.keys(PASSES).join(", ")}: received ${unknown.join(", ")}`);
  Deno.exit(2);
}
const done: string[] = [];
for (const name of chosen) {
  const { args, env } = PASSES[name];
  console.log(`== test pass: ${name}`);
  const start = performance.now();
  const status = await new Deno.Command(Deno.execPath(), { args, env, stdin: "null" }).spawn()
    .status;
  const seconds = ((performance.now() - start) / 1000).toFixed(0);
  if (!status.success) {
    console.error(`test pass ${name} failed (exit ${status.code}) after ${seconds} s`);
    Deno.exit(1);
  }
  done.push(`${name} ${seconds} s`);
}
console.log(`test passes: ${done.join(", ")}`);
