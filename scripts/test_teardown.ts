// `deno test` with the arguments given, tolerating one known failure that is
// not ours: Deno 2.9.6's WebGPU sometimes crashes the process while it exits,
// after every test has passed. Seen as SIGABRT ("corrupted size vs.
// prev_size in fastbins"; about one run in five here, in the webgpu pass's ViT
// and CIFAR-10 tests) and as SIGSEGV (exit 139, CI's browser pass, whose
// Deno side computes the losses on webgpu to compare with Chromium's). Such
// a run counts as passed only when deno test's own summary says "0 failed";
// any failing test, and any crash before the summary, still fails the task.
// The caller's environment (FOCAL_BACKEND among it) passes through.
const TEARDOWN_SIGNALS = ["SIGABRT", "SIGSEGV"];
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", ...Deno.args],
  env: { NO_COLOR: "1" },
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
if (
  !status.success && status.signal !== null && TEARDOWN_SIGNALS.includes(status.signal) &&
  allPassed
) {
  console.error(
    `deno crashed (${status.signal}) while exiting after all tests passed (Deno's known WebGPU teardown crash); counted as passed`,
  );
  Deno.exit(0);
}
Deno.exit(status.code);
