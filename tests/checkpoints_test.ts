import assert from "node:assert/strict";
import { BACKEND, name } from "./_backend.ts";
import { readRecords, type RunRecord } from "../lib/results/run_records.ts";
import { checkpointPath } from "../experiments/_checkpoints.ts";

// One cell of the smoke profile (256 images, 4 steps an epoch), original and
// stabilized, long enough (40 epochs, ~1 s a run) to be killed in the middle.
const ARGS = [
  "mnist-classification",
  "--profile",
  "smoke",
  "--cells",
  "noise=high,threshold=0,gamma=0.5",
  "--epochs",
  "40",
  "--backend",
  "wasm",
];
const RUN = [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run=git",
  "--allow-net",
  "--allow-sys",
  "experiments/main.ts",
];

/** The commit the interrupted invocations claim (a bundle's FOCAL_GIT_COMMIT). */
const EARLIER = "0123456789abcdef0123456789abcdef01234567";

function start(out: string, workers: number, env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...RUN, ...ARGS, "--workers", String(workers), "--out", out],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(out: string, workers: number): Promise<string> {
  const { success, stdout, stderr } = await start(out, workers).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.ok(success, text);
  return text;
}

/** What a record says of its run, without where and when it ran. */
const essence = (r: RunRecord) => {
  const { provenance: _, ...rest } = r;
  return rest;
};

/** Waits until a run of `out` has written a checkpoint. */
async function firstCheckpoint(out: string): Promise<void> {
  const dir = `${out}/mnist-classification/checkpoints`;
  for (let i = 0; i < 3000; i++) {
    const files = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
    if (files.some((f) => f.name.endsWith(".ckpt"))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("no checkpoint appeared within 15 s");
}

Deno.test({
  name: name("a run killed with -9 or stopped by SIGTERM resumes to the uninterrupted record"),
  // A subprocess on wasm whatever the pass: run once, in the wasm pass.
  ignore: BACKEND !== "wasm",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "focal-resume-" });
    try {
      await finish(`${root}/whole`, 1);
      const whole = (await readRecords(`${root}/whole/mnist-classification/runs.jsonl`)).map(
        essence,
      );
      assert.equal(whole.length, 2);
      for (const [signal, workers] of [["SIGKILL", 1], ["SIGTERM", 2]] as const) {
        const out = `${root}/${signal}`;
        const child = start(out, workers, { FOCAL_GIT_COMMIT: EARLIER, FOCAL_GIT_DIRTY: "false" });
        await firstCheckpoint(out);
        child.kill(signal);
        const status = await child.status;
        await child.stdout.cancel();
        await child.stderr.cancel();
        assert.ok(!status.success, `${signal}: the first invocation ended early`);
        const done = (await readRecords(`${out}/mnist-classification/runs.jsonl`)).length;
        assert.ok(done < 2, `${signal}: killed before both runs ended`);
        const log = await finish(out, workers);
        // The second invocation resumes each cut-off run where it was instead of starting over.
        const resumed = [
          ...log.matchAll(/resuming from its checkpoint at epoch (\d+), step (\d+)/g),
        ];
        assert.ok(resumed.length >= 1, `${signal}: no run resumed:\n${log}`);
        // (A SIGTERM checkpoint may fall inside epoch 1: a step past the start counts.)
        assert.ok(resumed.every(([, epoch, step]) => Number(epoch) > 1 || Number(step) > 0), log);
        // Written at another commit: it continues, warns, and the record names both.
        assert.match(log, /warning: .*checkpoint was written at commit 0123456, this is /);
        const records = await readRecords(`${out}/mnist-classification/runs.jsonl`);
        assert.deepEqual(
          records.map(essence).sort((a, b) => a.index - b.index),
          whole,
          `${signal}: the resumed records`,
        );
        const continued = records.filter((r) => r.provenance.resumed !== undefined);
        assert.equal(continued.length, resumed.length);
        for (const r of continued) {
          assert.equal(r.provenance.resumed!.gitCommit, EARLIER);
          assert.notEqual(r.provenance.gitCommit, EARLIER);
        }
        // Each run's checkpoint goes once its record is written.
        for (const r of records) {
          await assert.rejects(() =>
            Deno.stat(checkpointPath(`${out}/mnist-classification/checkpoints`, r.runId))
          );
        }
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
