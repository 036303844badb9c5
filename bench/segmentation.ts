// deno task bench:segmentation [--backend wasm] [--widths 4,8,16] [--steps N] [--no-peer]
//
// The segmentation experiment's training step side by side with PyTorch's:
// the U-Net of Appendix A.6 at each width, batch 64 of 28x28 images and
// their masks, per-pixel sigmoid focal loss (γ = α = 0.5, mean), the paper's
// SGD with momentum; then PyTorch's CPU step of the same network
// (bench/peers/torch_unet_train.py, all cores) in the same run, and, on
// wasm, where our step's time goes (kernel time by kernel, from tf.profile).
// Prints a line per width and one JSON object last.
import "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { parseBackend, settle, useBackend } from "../lib/backends/use_backend.ts";
import { option, UsageError } from "../lib/cli/usage.ts";
import { createUNet } from "../lib/models/unet.ts";
import { createOptimizer, PAPER_OPTIMIZER } from "../lib/train/optimizer.ts";
import { sigmoidFocalLoss } from "../mod.ts";
import { runPythonPeer } from "./_python_peer.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "wasm" },
    widths: { type: "string", default: "4,8,16" },
    steps: { type: "string", default: "10" },
    "no-peer": { type: "boolean", default: false },
    debug: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "deno task bench:segmentation [--backend wasm|cpu|webgpu] [--widths 4,8,16] [--steps N] [--no-peer]",
  );
  Deno.exit(0);
}
const backend = option(() => parseBackend(values.backend));
const widths = values.widths.split(",").map(Number);
const steps = Number(values.steps);
if (
  !widths.every((w) => Number.isInteger(w) && w >= 1) || !(Number.isInteger(steps) && steps >= 1)
) {
  throw new UsageError("--widths takes positive integers and --steps a positive integer");
}
await useBackend(backend);
const BATCH = 64;

/** Seconds per training step at `width`, and the kernels' time by kernel name. */
async function ours(width: number): Promise<{ seconds: number; kernels: Record<string, number> }> {
  const model = createUNet({ width }, 1);
  const optimizer = createOptimizer(PAPER_OPTIMIZER);
  const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.cast(tf.greater(x, 0.5), "float32");
  const loss = () =>
    sigmoidFocalLoss(model.forward(x), y, {
      gamma: 0.5,
      alpha: 0.5,
      reduction: "mean",
    }) as tf.Scalar;
  const step = async () => {
    optimizer.minimize(loss, false, model.variables);
    await settle();
  };
  for (let i = 0; i < 3; i++) await step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const seconds = (performance.now() - start) / 1000 / steps;
  const kernels: Record<string, number> = {};
  if (backend !== "webgpu") {
    const profile = await tf.profile(() => {
      optimizer.minimize(loss, false, model.variables);
    });
    // A custom gradient's scope ("unnamed scope") times the kernels it runs,
    // which are listed on their own too: counted once, as those kernels.
    for (const k of profile.kernels.filter((k) => k.name !== "unnamed scope")) {
      kernels[k.name] = (kernels[k.name] ?? 0) + (k.kernelTimeMs as number) / 1000;
    }
  }
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  return { seconds, kernels };
}

/** The kernel groups a U-Net step spends its time in. */
function groups(kernels: Record<string, number>): Record<string, number> {
  const of = (name: string) =>
    /^Conv2D|^Conv2DBackprop/.test(name)
      ? "convolutions and their gradients"
      : /^(Add|Sub|Multiply|RealDiv|Mean|Sum|Square|Sqrt|Rsqrt|SquaredDifference)$/.test(name)
      ? "BatchNorm and other elementwise ops and reductions"
      : /^(Concat|SplitV|Pad|Slice)$/.test(name)
      ? "concatenation, split and padding"
      : /^Identity$/.test(name)
      ? "Identity (tfjs's copies of saved tensors)"
      : "the rest";
  const out: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(kernels)) {
    out[of(name)] = (out[of(name)] ?? 0) + seconds;
  }
  return out;
}

const rows = [];
for (const width of widths) {
  const { seconds, kernels } = await ours(width);
  const split = groups(kernels);
  const total = Object.values(split).reduce((s, v) => s + v, 0);
  console.log(
    `${backend}, U-Net width ${width}: ${(seconds * 1000).toFixed(1)} ms per step` +
      (total > 0
        ? `; kernel time: ${
          Object.entries(split).sort((a, b) => b[1] - a[1]).map(([g, s]) =>
            `${g} ${(100 * s / total).toFixed(0)}%`
          ).join(", ")
        }`
        : ""),
  );
  rows.push({ width, secondsPerStep: seconds, kernelSeconds: split });
}
const peer = values["no-peer"] ? null : await runPythonPeer("bench/peers/torch_unet_train.py", [
  "--threads",
  String(navigator.hardwareConcurrency),
  "--steps",
  String(steps),
  "--widths",
  ...widths.map(String),
]) as
  | { threads: number; torch: string; results: { width: number; secondsPerStep: number }[] }
  | null;
const table = rows.map((r) => {
  const p = peer?.results.find((x) => x.width === r.width)?.secondsPerStep ?? null;
  return { ...r, pytorchSecondsPerStep: p, ratio: p === null ? null : p / r.secondsPerStep };
});
if (peer) {
  for (const r of table) {
    console.log(
      `PyTorch ${peer.torch} (${peer.threads} threads), width ${r.width}: ${
        (r.pytorchSecondsPerStep! * 1000).toFixed(1)
      } ms per step; ours ${r.ratio!.toFixed(2)}x`,
    );
  }
}
console.log(
  JSON.stringify({
    backend,
    batch: BATCH,
    steps,
    pytorchThreads: peer?.threads ?? null,
    rows: table,
  }),
);
