// deno task bench:versus [--rounds 5] [--sizes 4096,65536,1048576] [--backend wasm] [--out FILE]
//                        [--dispatches N] [--peer-device cpu|cuda] [--spin MICROSECONDS]
//                        [--only TEXT,...]
//
// Each loss against its PyTorch peer, alternating: in every round, for each
// loss and size, our exact mode's forward+backward on one backend (the
// median step after a warm-up) on one thread, then, on wasm where the size
// reaches the loss's KERNEL_THREADS_MIN_ELEMENTS, again after
// `startKernelThreads()` (what a user who started them gets: the ratio
// counts this one; `--spin` as in spinOf, _workloads.ts), then the peer's right after (bench/peers/torchvision_focal.py in
// a process of its own, all cores, the median step). The two share the
// machine's state of that minute: this VM's speed drifts by up to 1.5× over
// minutes, and `deno task bench` times the peers only after every backend's
// benches. The ratio per round, then its median and range over the rounds:
// a line per measurement on stderr, a table and one JSON object on stdout.
// On a GPU machine (scripts/device/gpu.sh): `--backend webgpu --dispatches
// 20 --peer-device cuda` queues 20 steps between two waits for the device
// and runs the peer on CUDA, timed between synchronizations.
import "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { describeAdapter, parseBackend, useBackend } from "../lib/backends/use_backend.ts";
import { option, UsageError } from "../lib/cli/usage.ts";
import { provenance } from "../lib/results/provenance.ts";
import {
  KERNEL_THREADS_MIN_ELEMENTS,
  startKernelThreads,
  stopKernelThreads,
} from "../lib/kernels/threads/kernel_threads.ts";
import { ALPHA, GAMMA } from "./_settings.ts";
import { PEER_OF } from "../lib/results/bench_summary.ts";
import { runPythonPeer } from "./_python_peer.ts";
import { THREADS } from "./_warm_up.ts";
import {
  alternatingOptions,
  CLASS_INDEX_WORKLOADS,
  median,
  mps,
  oursRate,
  roundsAndSizes,
  spinOf,
  type Workload,
  WORKLOADS,
} from "./_workloads.ts";

/** Every loss, then the softmax loss's class indices beside one-hot targets at 16 classes. */
const EVERY = [...WORKLOADS, ...CLASS_INDEX_WORKLOADS];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    ...alternatingOptions(5, [4096, 65536, 1048576]),
    backend: { type: "string", default: "wasm" },
    // Steps queued between two waits for the device (a GPU's readback costs milliseconds).
    dispatches: { type: "string", default: "1" },
    // Where the PyTorch peer runs: cpu here, cuda on the GPU machine.
    "peer-device": { type: "string", default: "cpu" },
    // Only the rows whose label contains one of these (e.g. "16 classes").
    only: { type: "string" },
  },
});
if (values.help) {
  console.log(
    "deno task bench:versus [--rounds 5] [--sizes 4096,65536,1048576] [--backend wasm|cpu|webgpu] [--out FILE]\n" +
      "                       [--dispatches N] [--peer-device cpu|cuda] [--spin MICROSECONDS] [--only TEXT,...]",
  );
  Deno.exit(0);
}
const backend = option(() => parseBackend(values.backend));
const { rounds, sizes } = roundsAndSizes(values);
const spinMicroseconds = spinOf(values);
const dispatches = Number(values.dispatches);
const peerDevice = values["peer-device"];
if (!(Number.isInteger(dispatches) && dispatches >= 1) || !["cpu", "cuda"].includes(peerDevice)) {
  throw new UsageError("--dispatches takes a positive integer and --peer-device cpu or cuda");
}
const only = values.only?.split(",").map((t) => t.trim()).filter((t) => t !== "");
const ALL = only === undefined
  ? EVERY
  : EVERY.filter((w) => only.some((t) => (w.label ?? w.loss).includes(t)));
if (ALL.length === 0) {
  throw new UsageError(
    `--only matches no row; the rows are ${EVERY.map((w) => w.label ?? w.loss).join("; ")}`,
  );
}
await useBackend(backend);

/** The peer's median rate at one size, or null without torch. */
async function peerRate(w: Workload, size: number): Promise<number | null> {
  const key = w.peer ?? PEER_OF[w.loss];
  const out = await runPythonPeer("bench/peers/torchvision_focal.py", [
    "--threads",
    String(THREADS),
    "--sizes",
    String(size),
    "--peers",
    key,
    "--device",
    peerDevice,
  ]) as { results: Record<string, number>[] } | null;
  return out === null ? null : out.results[0][key];
}

interface Measurement {
  round: number;
  loss: string;
  elements: number;
  peer: string;
  /** Ours, one thread; with the kernel threads started, where they split this size. */
  oursRate: number;
  oursThreadsRate: number | null;
  peerRate: number;
  /** Ours with the threads where they split this size, else one thread, over the peer. */
  ratio: number;
}

const measurements: Measurement[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const w of ALL) {
    for (const size of sizes) {
      stopKernelThreads();
      const one = await oursRate(w, size, dispatches);
      let threaded: number | null = null;
      const splits = backend === "wasm" && THREADS > 1 &&
        size >= KERNEL_THREADS_MIN_ELEMENTS[w.threads];
      if (splits) {
        await startKernelThreads(THREADS, { spinMicroseconds });
        threaded = await oursRate(w, size, dispatches);
        stopKernelThreads();
      }
      const peer = await peerRate(w, size);
      if (peer === null) {
        throw new Error("no python3 with torch and torchvision: nothing to compare");
      }
      const ours = threaded ?? one;
      const m: Measurement = {
        round,
        loss: w.label ?? w.loss,
        elements: size,
        peer: w.peer ?? PEER_OF[w.loss],
        oursRate: one,
        oursThreadsRate: threaded,
        peerRate: peer,
        ratio: ours / peer,
      };
      measurements.push(m);
      console.error(
        `[round ${round}/${rounds}] ${w.label ?? w.loss} n=${size}: ours ${mps(one)} M/s` +
          (threaded === null ? "" : `, ${mps(threaded)} with ${THREADS} threads`) +
          `; ${m.peer} ${mps(peer)} M/s: ${m.ratio.toFixed(2)}×`,
      );
    }
  }
}

const lines = [
  `| loss | elements | ours, M/s (median of rounds) | PyTorch peer, M/s | ratio: median (range) over ${rounds} rounds |`,
  "| --- | ---: | ---: | ---: | --- |",
];
for (const w of ALL) {
  for (const size of sizes) {
    const here = measurements.filter((m) => m.loss === (w.label ?? w.loss) && m.elements === size);
    const ours = here.map((m) => m.oursThreadsRate ?? m.oursRate);
    const ratios = here.map((m) => m.ratio);
    const threads = here[0].oursThreadsRate !== null
      ? ` (${THREADS} threads; one: ${mps(median(here.map((m) => m.oursRate)))})`
      : "";
    lines.push(
      `| ${w.label ?? w.loss} | ${size} | ${mps(median(ours))}${threads} | ${
        mps(median(here.map((m) => m.peerRate)))
      } ${here[0].peer} | **${median(ratios).toFixed(2)}×** (${Math.min(...ratios).toFixed(2)}–${
        Math.max(...ratios).toFixed(2)
      }) |`,
    );
  }
}
const result = {
  provenance: {
    ...(await provenance()),
    backend,
    adapter: backend === "webgpu" ? await describeAdapter() : null,
    rounds,
    dispatches,
    spinMicroseconds,
    peerDevice,
    gamma: GAMMA,
    alpha: ALPHA,
  },
  unit:
    "elements per second, forward+backward, median step; ratio = ours (threads started where they split the size) / the peer",
  measurements,
};
if (values.out) await Deno.writeTextFile(values.out, JSON.stringify(result, null, 1) + "\n");
console.log(lines.join("\n"));
console.log(JSON.stringify(result));
