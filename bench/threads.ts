// deno task bench:threads [--rounds 3] [--sizes 4096,...,262144] [--spin MICROSECONDS] [--out FILE]
//
// Where the kernel threads start to pay, per loss: on wasm, each loss's exact
// mode forward+backward (bench/_workloads.ts) at each size on one thread and
// then split across `startKernelThreads()` (every size split, the thresholds
// overridden), alternating within each round, so that both see the same
// minute of this VM's drifting speed. Prints per loss and size the median
// rates and the median of the per-round ratios (threads / one), and the
// smallest size from which the threads were faster at every larger size
// measured: the measurement behind KERNEL_THREADS_MIN_ELEMENTS
// (lib/kernels/threads/kernel_split.ts), taken with `--spin 0` (spinOf in
// _workloads.ts). A table on stdout, then one JSON object.
import "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { useBackend } from "../lib/backends/use_backend.ts";
import { UsageError } from "../lib/cli/usage.ts";
import { provenance } from "../lib/results/provenance.ts";
import {
  KERNEL_THREADS_MIN_ELEMENTS,
  overrideThresholds,
  startKernelThreads,
  stopKernelThreads,
} from "../lib/kernels/threads/kernel_threads.ts";
import { THREADS } from "./_warm_up.ts";
import {
  alternatingOptions,
  median,
  mps,
  oursRate,
  roundsAndSizes,
  spinOf,
  WORKLOADS,
} from "./_workloads.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: alternatingOptions(3, [4096, 8192, 16384, 32768, 65536, 131072, 262144]),
});
if (values.help) {
  console.log(
    "deno task bench:threads [--rounds 3] [--sizes 4096,...,262144] [--spin MICROSECONDS] [--out FILE]",
  );
  Deno.exit(0);
}
const spinMicroseconds = spinOf(values);
const { rounds, sizes } = roundsAndSizes(values, 64);
if (THREADS < 2) throw new UsageError("one logical CPU: there is nothing to split across");
await useBackend("wasm");
overrideThresholds({ sigmoid: 0, quality: 0, softmax: 0, unified: 0 });

interface Measurement {
  round: number;
  loss: string;
  elements: number;
  oneRate: number;
  threadsRate: number;
}
const measurements: Measurement[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const w of WORKLOADS) {
    for (const size of sizes) {
      stopKernelThreads();
      const oneRate = await oursRate(w, size);
      await startKernelThreads(THREADS, { spinMicroseconds });
      const threadsRate = await oursRate(w, size);
      stopKernelThreads();
      measurements.push({ round, loss: w.loss, elements: size, oneRate, threadsRate });
      console.error(
        `[round ${round}/${rounds}] ${w.loss} n=${size}: one ${mps(oneRate)} M/s, ` +
          `${THREADS} threads ${mps(threadsRate)} M/s (${(threadsRate / oneRate).toFixed(2)}×)`,
      );
    }
  }
}
overrideThresholds(null);

const lines = [
  `| loss | elements | one thread, M/s | ${THREADS} threads, M/s | threads / one: median (range) over ${rounds} rounds |`,
  "| --- | ---: | ---: | ---: | --- |",
];
const crossovers: Record<string, number | null> = {};
for (const w of WORKLOADS) {
  const ratioAt = new Map<number, number>();
  for (const size of sizes) {
    const here = measurements.filter((m) => m.loss === w.loss && m.elements === size);
    const ratios = here.map((m) => m.threadsRate / m.oneRate);
    ratioAt.set(size, median(ratios));
    lines.push(
      `| ${w.loss} | ${size} | ${mps(median(here.map((m) => m.oneRate)))} | ${
        mps(median(here.map((m) => m.threadsRate)))
      } | ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${
        Math.max(...ratios).toFixed(2)
      }) |`,
    );
  }
  // The smallest size from which every larger size's median ratio exceeds 1.
  let from: number | null = null;
  for (const size of [...sizes].sort((a, b) => b - a)) {
    if (ratioAt.get(size)! > 1) from = size;
    else break;
  }
  crossovers[w.threads] = from;
}
lines.push(
  "",
  `threads faster at every larger size measured from: ${
    Object.entries(crossovers).map(([loss, n]) => `${loss} ${n ?? "none"}`).join(", ")
  }; in force (KERNEL_THREADS_MIN_ELEMENTS): ${
    Object.entries(KERNEL_THREADS_MIN_ELEMENTS).map(([loss, n]) => `${loss} ${n}`).join(", ")
  }`,
);
const result = {
  provenance: {
    ...(await provenance()),
    backend: "wasm",
    rounds,
    threads: THREADS,
    spinMicroseconds,
  },
  unit: "elements per second, forward+backward of the exact mode, median step",
  crossovers,
  inForce: KERNEL_THREADS_MIN_ELEMENTS,
  measurements,
};
if (values.out) await Deno.writeTextFile(values.out, JSON.stringify(result, null, 1) + "\n");
console.log(lines.join("\n"));
console.log(JSON.stringify(result));
