// deno task bench:versus [--rounds 3] [--sizes 4096,65536,1048576] [--backend wasm] [--out FILE]
//
// Each loss against its PyTorch peer, alternating: in every round, for each
// loss and size, our exact mode's forward+backward on one backend (the
// median step after a warm-up; on wasm at 2^17 elements and more, the
// sigmoid and Quality losses also with the kernel threads, the faster
// counted), then the peer's right after (bench/peers/torchvision_focal.py in
// a process of its own, all cores, the median step). The two share the
// machine's state of that minute: this VM's speed drifts by up to 1.5× over
// minutes, and `deno task bench` times the peers only after every backend's
// benches. The ratio per round, then its median and range over the rounds:
// a line per measurement on stderr, a table and one JSON object on stdout.
import "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { parseBackend, settle, useBackend } from "../lib/backends/use_backend.ts";
import { DEBUG_OPTION, option, UsageError } from "../lib/cli/usage.ts";
import { provenance } from "../lib/results/provenance.ts";
import {
  KERNEL_THREADS_MIN_ELEMENTS,
  startKernelThreads,
  stopKernelThreads,
} from "../lib/kernels/focal/kernel_threads.ts";
import { qualityFocalLoss, sigmoidFocalLoss, softmaxFocalLoss, unifiedFocalLoss } from "../mod.ts";
import { binaryInputs, type Inputs, maskInputs, qualityInputs, softmaxInputs } from "./_inputs.ts";
import { ALPHA, GAMMA } from "./_settings.ts";
import { PEER_OF } from "./_summary.ts";
import { runPythonPeer } from "./_python_peer.ts";
import { THREADS, warmUp } from "./_warm_up.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    sizes: { type: "string", default: "4096,65536,1048576" },
    backend: { type: "string", default: "wasm" },
    out: { type: "string" },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "deno task bench:versus [--rounds 3] [--sizes 4096,65536,1048576] [--backend wasm|cpu|webgpu] [--out FILE]",
  );
  Deno.exit(0);
}
const backend = option(() => parseBackend(values.backend));
const rounds = Number(values.rounds);
const sizes = values.sizes.split(",").map(Number);
if (
  !(Number.isInteger(rounds) && rounds >= 1) || !sizes.every((n) => Number.isInteger(n) && n >= 8)
) {
  throw new UsageError("--rounds takes a positive integer and --sizes integers of 8 or more");
}
await useBackend(backend);

/** One loss as the benches run it: inputs, our exact mode, whether threads apply. */
interface Workload {
  loss: keyof typeof PEER_OF;
  inputs(size: number): Inputs;
  ours(x: tf.Tensor, t: tf.Tensor): tf.Tensor;
  threads: boolean;
}

const WORKLOADS: Workload[] = [
  {
    loss: "sigmoidFocalLoss",
    inputs: binaryInputs,
    ours: (x, t) => sigmoidFocalLoss(x, t, { alpha: ALPHA, gamma: GAMMA, reduction: "mean" }),
    threads: true,
  },
  {
    loss: "softmaxFocalLoss",
    inputs: softmaxInputs,
    ours: (x, t) => softmaxFocalLoss(x, t, { gamma: GAMMA, reduction: "mean" }),
    threads: false,
  },
  {
    loss: "qualityFocalLoss",
    inputs: qualityInputs,
    ours: (x, t) => qualityFocalLoss(x, t, { beta: GAMMA, reduction: "mean" }),
    threads: true,
  },
  {
    loss: "unifiedFocalLoss",
    inputs: maskInputs,
    ours: (x, t) => unifiedFocalLoss(x, t, { gamma: GAMMA, weight: 0.5, delta: 0.6 }),
    threads: false,
  },
];

/** Elements per second of forward+backward: the median step after a warm-up. */
async function oursRate(w: Workload, size: number): Promise<number> {
  const { x, t } = w.inputs(size);
  const grad = tf.grad((z: tf.Tensor) => w.ours(z, t));
  const step = async () => {
    const g = grad(x);
    await settle();
    g.dispose();
  };
  await warmUp(step);
  const times: number[] = [];
  const steps = Math.max(30, Math.min(200, Math.round(2 ** 22 / size)));
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
  }
  tf.dispose([x, t]);
  times.sort((a, b) => a - b);
  return size / (times[times.length >> 1] / 1000);
}

/** The peer's median rate at one size, or null without torch. */
async function peerRate(w: Workload, size: number): Promise<number | null> {
  const key = PEER_OF[w.loss];
  const out = await runPythonPeer("bench/peers/torchvision_focal.py", [
    "--threads",
    String(THREADS),
    "--sizes",
    String(size),
    "--peers",
    key,
  ]) as { results: Record<string, number>[] } | null;
  return out === null ? null : out.results[0][key];
}

interface Measurement {
  round: number;
  loss: string;
  elements: number;
  peer: string;
  /** Ours, one thread; with the kernel threads where they apply. */
  oursRate: number;
  oursThreadsRate: number | null;
  peerRate: number;
  /** The faster of ours over the peer. */
  ratio: number;
}

const mps = (v: number) => (v / 1e6).toFixed(v >= 1e7 ? 0 : 1);
const measurements: Measurement[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const w of WORKLOADS) {
    for (const size of sizes) {
      stopKernelThreads();
      const one = await oursRate(w, size);
      let threaded: number | null = null;
      if (w.threads && backend === "wasm" && THREADS > 1 && size >= KERNEL_THREADS_MIN_ELEMENTS) {
        await startKernelThreads();
        threaded = await oursRate(w, size);
        stopKernelThreads();
      }
      const peer = await peerRate(w, size);
      if (peer === null) {
        throw new Error("no python3 with torch and torchvision: nothing to compare");
      }
      const best = Math.max(one, threaded ?? 0);
      const m: Measurement = {
        round,
        loss: w.loss,
        elements: size,
        peer: PEER_OF[w.loss],
        oursRate: one,
        oursThreadsRate: threaded,
        peerRate: peer,
        ratio: best / peer,
      };
      measurements.push(m);
      console.error(
        `[round ${round}/${rounds}] ${w.loss} n=${size}: ours ${mps(one)} M/s` +
          (threaded === null ? "" : `, ${mps(threaded)} with ${THREADS} threads`) +
          `; ${m.peer} ${mps(peer)} M/s: ${m.ratio.toFixed(2)}×`,
      );
    }
  }
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const lines = [
  `| loss | elements | ours, M/s (median of rounds) | PyTorch peer, M/s | ratio: median (range) over ${rounds} rounds |`,
  "| --- | ---: | ---: | ---: | --- |",
];
for (const w of WORKLOADS) {
  for (const size of sizes) {
    const here = measurements.filter((m) => m.loss === w.loss && m.elements === size);
    const best = here.map((m) => Math.max(m.oursRate, m.oursThreadsRate ?? 0));
    const ratios = here.map((m) => m.ratio);
    const threads = here.some((m) => (m.oursThreadsRate ?? 0) > m.oursRate)
      ? ` (${THREADS} threads)`
      : "";
    lines.push(
      `| ${w.loss} | ${size} | ${mps(median(best))}${threads} | ${
        mps(median(here.map((m) => m.peerRate)))
      } ${here[0].peer} | **${median(ratios).toFixed(2)}×** (${Math.min(...ratios).toFixed(2)}–${
        Math.max(...ratios).toFixed(2)
      }) |`,
    );
  }
}
const result = {
  provenance: { ...(await provenance()), backend, rounds, gamma: GAMMA, alpha: ALPHA },
  unit: "elements per second, forward+backward, median step; ratio = the faster of ours / the peer",
  measurements,
};
if (values.out) await Deno.writeTextFile(values.out, JSON.stringify(result, null, 1) + "\n");
console.log(lines.join("\n"));
console.log(JSON.stringify(result));
