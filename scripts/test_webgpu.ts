// deno task test --only webgpu: the test suite on webgpu, tolerating one known
// failure that is not ours. Deno 2.9.6's WebGPU sometimes aborts the process
// while it exits, after every test has passed ("corrupted size vs.
// prev_size in fastbins", SIGABRT; about one run in five here, in runs that
// include the ViT and CIFAR-10 tests). Such a run counts as passed only when
// deno test's own summary says "0 failed"; any failing test, and any crash
// before the summary, still fails the task.
const args = Deno.args;
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", ...args],
  env: { FOCAL_BACKEND: "webgpu", NO_COLOR: "1" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-2000);
}
const status = await child.status;
// deno test's last summary: "ok | N passed | 0 failed (…)".
const summaries = tail.match(/(ok|FAILED) \| \d+ passed[^\n]*\| \d+ failed/g);
const allPassed = summaries !== null && /^ok \| \d+ passed.*\| 0 failed/.test(summaries.at(-1)!);
if (!status.success && status.signal === "SIGABRT" && allPassed) {
  console.error(
    "deno aborted while exiting after all tests passed (a known Deno WebGPU teardown crash); counted as passed",
  );
  Deno.exit(0);
}
Deno.exit(status.code);
