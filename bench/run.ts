// deno task bench [--quick] [--backends cpu,wasm,webgpu] [--out results/bench] [--no-peers]
//                  [--no-throughput]
//
// Runs the loss benches (`deno bench`) once per backend, the NaN-incidence and numerics probe
// once per backend, and the PyTorch peers (when python3 with torchvision is
// there), then writes JSON with provenance under --out and prints a summary.
// It measures only: Figures 1 and 2 are the analysis experiment's
// (experiments/analysis/), and the report's bench section and the NaN
// incidence figure are drawn from this JSON by experiments/bench_report.ts.
import { DEBUG_OPTION, option } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import { BACKENDS, parseBackend } from "../lib/backends/use_backend.ts";
import { provenance } from "../lib/results/provenance.ts";
import { summarize, type ThroughputRow } from "../lib/results/bench_summary.ts";
import { runPythonPeer } from "./_python_peer.ts";
import { ALPHA, GAMMA } from "./_settings.ts";
import type { PrecisionFigureRow } from "../lib/figures/figure2_precision.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    backends: { type: "string", default: BACKENDS.join(",") },
    out: { type: "string", default: "results/bench" },
    "no-peers": { type: "boolean", default: false },
    // The NaN incidence and the numerics probe, without the throughput
    // benchmarks (minutes) or the peers.
    "no-throughput": { type: "boolean", default: false },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "deno task bench [--quick] [--backends cpu,wasm,webgpu] [--out results/bench] [--no-peers] [--no-throughput] [--debug]",
  );
  Deno.exit(0);
}
const backends = option(() => values.backends.split(",").map(parseBackend));
const quick = values.quick;
const env = (backend: string) => ({ FOCAL_BACKEND: backend, BENCH_QUICK: quick ? "1" : "0" });

async function run(args: string[], extraEnv: Record<string, string>): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env: extraEnv,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`deno ${args.join(" ")} failed (${extraEnv.FOCAL_BACKEND})`);
  return new TextDecoder().decode(out.stdout);
}

interface DenoBenchJson {
  cpu: string;
  benches: {
    group: string | null;
    name: string;
    baseline: boolean;
    results: { ok?: { n: number; avg: number; min: number; max: number; p75: number } }[];
  }[];
}

const throughput: ThroughputRow[] = [];
/** What bench/_nan_incidence.ts prints for one backend. */
type Incidence = Parameters<typeof summarize>[1][number] & {
  adapter: unknown;
  numerics: Record<string, unknown>;
};
const incidence: Incidence[] = [];
// The analysis beside this bench's folder: the summary quotes its precision rows when present.
const analysis = values.out.replace(/\/bench\/?$/, "") + "/analysis";
let benchCpu = "";
// The loss benches: their groups are "<loss> n=<elements>". The training-step
// benches (train_binary_bench.ts, unet_bench.ts) write no rows here; they are
// run by `deno bench` itself and, with the peer beside them, by
// `deno task bench:training`. (Run here they cost 4.5 min of a quick bench,
// the cpu U-Net alone 4 min 22 s, for nothing kept.)
const BENCH_FILES = [
  "sigmoid_focal_loss_bench.ts",
  "softmax_focal_loss_bench.ts",
  "quality_focal_loss_bench.ts",
  "unified_focal_loss_bench.ts",
];

/** One step of the run, shown in the progress line before it starts. */
interface Step {
  backend: string;
  what: string;
  run(): Promise<void>;
}
const steps: Step[] = [];
for (const backend of backends) {
  if (!values["no-throughput"]) {
    for (const file of BENCH_FILES) {
      steps.push({
        backend,
        what: `throughput, ${file.replace(/_bench\.ts$/, "").replaceAll("_", " ")}`,
        async run() {
          const json: DenoBenchJson = JSON.parse(
            await run(
              [
                "bench",
                "--json",
                "--allow-read",
                "--allow-env",
                "--allow-write=/tmp",
                `bench/${file}`,
              ],
              env(backend),
            ),
          );
          benchCpu = json.cpu;
          collect(backend, json);
        },
      });
    }
  }
  steps.push({
    backend,
    what: "NaN incidence and numerics probe",
    async run() {
      incidence.push(
        JSON.parse(
          await run(
            ["run", "--allow-read", "--allow-env", "--allow-write=/tmp", "bench/_nan_incidence.ts"],
            env(backend),
          ),
        ),
      );
    },
  });
}

/** The throughput rows of one `deno bench --json` output. */
function collect(backend: string, json: DenoBenchJson): void {
  for (const b of json.benches) {
    const ok = b.results[0]?.ok;
    const [loss, size] = (b.group ?? "").split(" ");
    // Training-step benches (groups without n=) are read from deno bench's table.
    if (!ok || !size?.startsWith("n=")) continue;
    const elements = Number(size.replace("n=", ""));
    throughput.push({
      backend,
      loss,
      elements,
      variant: b.name,
      baseline: b.baseline,
      iterations: ok.n,
      meanNs: ok.avg,
      minNs: ok.min,
      elementsPerSecond: elements / (ok.avg * 1e-9),
    });
  }
}

/** "1 min 05 s" */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

// Progress on stderr before each step: which backend and which part, the
// time so far, and the time left at the average pace of the steps done.
const started = performance.now();
for (const [i, step] of steps.entries()) {
  const elapsed = (performance.now() - started) / 1000;
  const left = i === 0 ? "" : `, about ${duration((elapsed / i) * (steps.length - i))} left`;
  console.error(
    `[bench ${i + 1}/${steps.length}] ${step.backend}: ${step.what}${quick ? " (quick)" : ""}` +
      ` — ${duration(elapsed)} so far${left}`,
  );
  await step.run();
}

/** The PyTorch peers at these sizes, or null without torch. */
function measurePeers(sizes: string[]): Promise<unknown> {
  return runPythonPeer("bench/peers/torchvision_focal.py", [
    "--threads",
    String(navigator.hardwareConcurrency),
    "--sizes",
    ...sizes,
  ]);
}

const peers = values["no-peers"] || values["no-throughput"] ? null : (console.error(
  `[bench] PyTorch peers — ${duration((performance.now() - started) / 1000)} so far`,
),
  await measurePeers([...new Set(throughput.map((r) => r.elements))].map(String)));

const meta = {
  ...(await provenance()),
  quick,
  incidenceOnly: values["no-throughput"],
  benchCpu,
  gamma: GAMMA,
  alpha: ALPHA,
  reduction: "mean",
};
await Deno.mkdir(values.out, { recursive: true });
const write = (name: string, data: unknown) =>
  Deno.writeTextFile(`${values.out}/${name}`, JSON.stringify(data, null, 1) + "\n");
await write("throughput.json", {
  provenance: meta,
  unit: "elements per second, forward+backward",
  rows: throughput,
});
await write("nan_incidence.json", {
  provenance: meta,
  description:
    "Fraction of non-finite input gradients: on the Figure 2 grid (logits -38..38 step 0.05, all paper gammas, targets 0 and 1) and on a saturated random batch (logits N(0, 20^2), gamma 0.5)",
  backends: incidence.map(({ numerics: _, ...rest }) => rest),
});
await write("numerics.json", {
  provenance: meta,
  backends: incidence.map((i) => ({ backend: i.backend, adapter: i.adapter, ...i.numerics })),
});
if (peers !== null) await write("peers.json", { provenance: meta, ...(peers as object) });
let precisionRows: PrecisionFigureRow[] = [];
try {
  precisionRows = JSON.parse(await Deno.readTextFile(`${analysis}/figure2_precision.json`)).rows;
} catch {
  // Not measured in this run.
}
const summary = summarize(
  throughput,
  incidence,
  peers as Parameters<typeof summarize>[2],
  precisionRows,
);
await Deno.writeTextFile(`${values.out}/SUMMARY.md`, summary);
console.log(summary);
