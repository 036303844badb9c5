// deno task bench:models [--backend wasm] [--widths 4,8,16] [--steps N] [--no-peer]
//                        [--vit default|paper] [--peer-device cpu|cuda] [--conv3x3 16,0,...]
//                        [--threads 2,1]
//
// The training steps of the segmentation and CIFAR-10 experiments' models
// side by side with PyTorch's: the U-Net of Appendix A.6 at each width
// (batch 64 of 28x28 images and their masks, per-pixel loss) and the default
// profile's ViT (32x32, patch 4, width 64, depth 4, 4 heads; batch 128), with
// the sigmoid focal loss (γ = α = 0.5, mean) and the paper's SGD with
// momentum; then PyTorch's CPU step of the same networks
// (bench/peers/torch_unet_train.py, torch_vit_train.py, all cores) in the
// same run, and, off webgpu, where our step's time goes (kernel time by
// kernel, from tf.profile) with the rate our convolutions sustain (their
// multiply-adds, unetMultiplyAdds, over their kernel time) and the least rate
// PyTorch's whole step implies; on wasm, beside them, the ceiling of wasm
// SIMD here (bench/_fma_ceiling.ts, per thread count) and the rate the
// target (1.5× PyTorch's step) would need of our convolutions, the rest of
// our step as measured. Prints a line per model and one JSON object last.
// `--conv3x3 16,0,32` times the U-Net with our 3×3 convolution kernels taking
// up to that many channels (0: none, XNNPACK's path; default:
// CONV3X3_MAX_CHANNELS on one thread, CONV3X3_MAX_CHANNELS_THREADED on more),
// each limit in turn and then again (two alternating rounds), to choose the
// limit on one machine.
// `--threads 2,1` does the same with the kernel threads (`startKernelThreads`;
// default: one per logical CPU, as many as PyTorch's peer uses), which split
// our 3×3 convolutions and the loss; both lists together time every pair.
// On the GPU machine (scripts/device/gpu.sh): `--backend webgpu --widths 64
// --vit paper --peer-device cuda`, the paper's U-Net and its ViT-B/16 at
// 224² (batch 128), PyTorch's steps on CUDA.
import "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { describeAdapter, parseBackend, settle, useBackend } from "../lib/backends/use_backend.ts";
import { DEBUG_OPTION, option, UsageError } from "../lib/cli/usage.ts";
import { createUNet, unetMultiplyAdds } from "../lib/models/unet.ts";
import {
  CONV3X3_MAX_CHANNELS,
  CONV3X3_MAX_CHANNELS_THREADED,
  setConv3x3MaxChannels,
} from "../lib/kernels/gradients/conv3x3_wasm.ts";
import { createVit, type VitOptions } from "../lib/models/vit.ts";
import { kernelThreadCount, startKernelThreads, stopKernelThreads } from "../threads.ts";
import { protocolStep } from "../lib/train/protocol_step.ts";
import { runPythonPeer } from "./_python_peer.ts";
import { provenance } from "../lib/results/provenance.ts";
import { fmaCeiling } from "./_fma_ceiling.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "wasm" },
    widths: { type: "string", default: "4,8,16" },
    steps: { type: "string", default: "10" },
    "no-peer": { type: "boolean", default: false },
    vit: { type: "string", default: "default" },
    "peer-device": { type: "string", default: "cpu" },
    conv3x3: { type: "string", default: "default" },
    threads: { type: "string", default: String(navigator.hardwareConcurrency) },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "deno task bench:models [--backend wasm|cpu|webgpu] [--widths 4,8,16] [--steps N] [--no-peer]\n" +
      "                       [--vit default|paper] [--peer-device cpu|cuda] [--conv3x3 16,0,...]\n" +
      "                       [--threads 2,1]",
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
// "default": CONV3X3_MAX_CHANNELS on one thread, CONV3X3_MAX_CHANNELS_THREADED on more.
const limits = values.conv3x3.split(",").map((l) => l === "default" ? null : Number(l));
if (!limits.every((l) => l === null || (Number.isInteger(l) && l >= 0))) {
  throw new UsageError(
    "--conv3x3 takes channel limits, integers of 0 or more (0: off), or default",
  );
}
const threadCounts = values.threads.split(",").map(Number);
if (!threadCounts.every((t) => Number.isInteger(t) && t >= 1)) {
  throw new UsageError("--threads takes thread counts, positive integers");
}

/** Runs the kernels on `threads` threads from now on (1: the calling thread alone). */
async function useThreads(threads: number): Promise<number> {
  if (threads === 1) stopKernelThreads();
  else if (kernelThreadCount() !== threads) await startKernelThreads(threads);
  return kernelThreadCount();
}
const peerDevice = values["peer-device"];
if (!["default", "paper"].includes(values.vit) || !["cpu", "cuda"].includes(peerDevice)) {
  throw new UsageError("--vit takes default or paper, --peer-device cpu or cuda");
}
await useBackend(backend);
const BATCH = 64;

/** A model to time: its variables, forward pass, and a batch of inputs and targets. */
interface Timed {
  model: { forward(x: tf.Tensor4D): tf.Tensor; variables: tf.Variable[]; dispose(): void };
  x: tf.Tensor4D;
  y: tf.Tensor;
}

/** Seconds per training step, and the kernels' time by kernel name. */
async function ours(
  build: () => Timed,
  timedSteps: number,
): Promise<{ seconds: number; kernels: Record<string, number> }> {
  const { model, x, y } = build();
  const { step: run, optimizer } = protocolStep({ model, x, y });
  const step = async () => {
    run();
    await settle();
  };
  for (let i = 0; i < 3; i++) await step();
  const start = performance.now();
  for (let i = 0; i < timedSteps; i++) await step();
  const seconds = (performance.now() - start) / 1000 / timedSteps;
  const kernels: Record<string, number> = {};
  if (backend !== "webgpu") {
    const profile = await tf.profile(run);
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

/** The kernel groups a step spends its time in. */
function groups(kernels: Record<string, number>): Record<string, number> {
  const of = (name: string) =>
    /^Conv2D|^Conv2DBackprop/.test(name)
      ? "convolutions and their gradients"
      : /^(BatchMatMul|Transpose)$/.test(name)
      ? "matrix products and transposes"
      : /^(Add|Sub|Multiply|RealDiv|Mean|Sum|Square|Sqrt|Rsqrt|SquaredDifference)$/.test(name)
      ? "normalization and other elementwise ops and reductions"
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

/** One line: the step's time and its kernel time by group. */
function describe(label: string, seconds: number, split: Record<string, number>): void {
  const total = Object.values(split).reduce((s, v) => s + v, 0);
  console.log(
    `${backend}, ${label}: ${(seconds * 1000).toFixed(1)} ms per step` +
      (total > 0
        ? `; kernel time: ${
          Object.entries(split).sort((a, b) => b[1] - a[1]).map(([g, s]) =>
            `${g} ${(100 * s / total).toFixed(0)}%`
          ).join(", ")
        }`
        : ""),
  );
}

const threads = String(navigator.hardwareConcurrency);
const rows = [];
const settings = limits.flatMap((limit) => threadCounts.map((threads) => ({ limit, threads })));
for (const width of widths) {
  // Each setting once, then again in the same order: two alternating rounds
  // when several are compared; one timing otherwise.
  const rounds = settings.length > 1 ? [...settings, ...settings] : settings;
  for (const [round, { limit, threads: wanted }] of rounds.entries()) {
    setConv3x3MaxChannels(limit);
    const kernelThreads = await useThreads(wanted);
    const channels = limit ??
      (kernelThreads > 1 ? CONV3X3_MAX_CHANNELS_THREADED : CONV3X3_MAX_CHANNELS);
    const { seconds, kernels } = await ours(() => {
      const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
      return { model: createUNet({ width }, 1), x, y: tf.cast(tf.greater(x, 0.5), "float32") };
    }, steps);
    const split = groups(kernels);
    const label = `U-Net width ${width}, ${kernelThreads} kernel thread(s)` +
      (limits.length > 1 ? `, conv3x3 up to ${channels} channels` : "") +
      (settings.length > 1 ? `, round ${Math.floor(round / settings.length) + 1}` : "");
    describe(label, seconds, split);
    // The convolutions' arithmetic: what our kernels sustain, what a peer's whole step must.
    const multiplyAdds = BATCH * unetMultiplyAdds({ width }).step;
    const convSeconds = split["convolutions and their gradients"] ?? null;
    if (convSeconds !== null) {
      console.log(
        `  convolutions: ${(multiplyAdds / 1e9).toFixed(2)} GMAC a step in ${
          (convSeconds * 1000).toFixed(0)
        } ms of kernel time: ${(multiplyAdds / convSeconds / 1e9).toFixed(1)} GMAC/s`,
      );
    }
    rows.push({
      width,
      conv3x3MaxChannels: channels,
      kernelThreads,
      secondsPerStep: seconds,
      kernelSeconds: split,
      stepMultiplyAdds: multiplyAdds,
      convolutionGmacPerSecond: convSeconds === null ? null : multiplyAdds / convSeconds / 1e9,
    });
  }
}
setConv3x3MaxChannels(null);
// What wasm SIMD allows at most (an FMA loop with no memory traffic), per
// thread count timed, twice, alternating; the best of the two.
const ceilings = backend === "wasm"
  ? await (async () => {
    const counts = [...new Set(rows.map((r) => r.kernelThreads))];
    const best = new Map<number, number>();
    for (const threads of [...counts, ...counts]) {
      best.set(threads, Math.max(best.get(threads) ?? 0, await fmaCeiling(threads)));
    }
    return counts.map((threads) => ({ threads, gmacPerSecond: best.get(threads)! / 1e9 }));
  })()
  : [];
for (const c of ceilings) {
  console.log(
    `wasm SIMD ceiling here (relaxed FMA, no loads or stores), ${c.threads} thread(s): ${
      c.gmacPerSecond.toFixed(1)
    } GMAC/s`,
  );
}
const vitThreads = await useThreads(threadCounts[0]);
const peer = values["no-peer"] ? null : await runPythonPeer("bench/peers/torch_unet_train.py", [
  "--threads",
  threads,
  "--steps",
  String(steps),
  "--widths",
  ...widths.map(String),
  "--device",
  peerDevice,
]) as
  | { threads: number; torch: string; results: { width: number; secondsPerStep: number }[] }
  | null;
/** The speed target of the U-Net step: 1.5× PyTorch's (issue "Figure 6 within reach"). */
const TARGET_RATIO = 1.5;
const table = rows.map((r) => {
  const p = peer?.results.find((x) => x.width === r.width)?.secondsPerStep ?? null;
  const conv = r.kernelSeconds["convolutions and their gradients"] ?? null;
  // What the target asks of the convolutions, the rest of our step as measured.
  const budget = p === null || conv === null ? null : p / TARGET_RATIO - (r.secondsPerStep - conv);
  const needed = budget === null ? null : budget > 0 ? r.stepMultiplyAdds / budget / 1e9 : Infinity;
  const ceiling = ceilings.find((c) => c.threads === r.kernelThreads)?.gmacPerSecond ?? null;
  return {
    ...r,
    pytorchSecondsPerStep: p,
    ratio: p === null ? null : p / r.secondsPerStep,
    targetConvolutionGmacPerSecond: needed === Infinity ? null : needed,
    wasmFmaCeilingGmacPerSecond: ceiling,
  };
});
if (peer) {
  for (const r of table) {
    console.log(
      `PyTorch ${peer.torch} (${peer.threads} threads), U-Net width ${r.width}: ${
        (r.pytorchSecondsPerStep! * 1000).toFixed(1)
      } ms per step (its convolutions at least ${
        (r.stepMultiplyAdds / r.pytorchSecondsPerStep! / 1e9).toFixed(1)
      } GMAC/s); ours (${r.kernelThreads} kernel thread(s)${
        limits.length > 1 ? `, conv3x3 up to ${r.conv3x3MaxChannels} channels` : ""
      }) ${r.ratio!.toFixed(2)}x`,
    );
    const needed = r.targetConvolutionGmacPerSecond;
    if (r.convolutionGmacPerSecond !== null) {
      console.log(
        `  ${TARGET_RATIO}x PyTorch would need our convolutions at ${
          needed === null
            ? "more than any rate: the rest of our step alone is over the target"
            : `${needed.toFixed(1)} GMAC/s (now ${r.convolutionGmacPerSecond.toFixed(1)}${
              r.wasmFmaCeilingGmacPerSecond === null
                ? ""
                : `; the ceiling on ${r.kernelThreads} thread(s) ${
                  r.wasmFmaCeilingGmacPerSecond.toFixed(1)
                }`
            })`
        }`,
      );
    }
  }
}

// The default profile's ViT, or the paper's ViT-B/16 at 224² (Appendix A.5); batch 128.
const VIT: VitOptions = values.vit === "paper"
  ? { imageSize: 224, patchSize: 16, width: 768, depth: 12, heads: 12 }
  : { imageSize: 32, patchSize: 4, width: 64, depth: 4, heads: 4 };
const VIT_BATCH = 128;
const vitSteps = Math.max(2, Math.round(steps / 3));
const vit = await ours(() => ({
  model: createVit(VIT, 1),
  x: tf.randomUniform(
    [VIT_BATCH, VIT.imageSize!, VIT.imageSize!, 3],
    0,
    1,
    "float32",
    1,
  ) as tf.Tensor4D,
  y: tf.cast(tf.less(tf.randomUniform([VIT_BATCH, 1], 0, 1, "float32", 2), 0.3), "float32"),
}), vitSteps);
const vitSplit = groups(vit.kernels);
describe(
  `ViT ${VIT.imageSize}x${VIT.imageSize} patch ${VIT.patchSize} width ${VIT.width} depth ${VIT.depth}, batch ${VIT_BATCH}, ${vitThreads} kernel thread(s)`,
  vit.seconds,
  vitSplit,
);
const vitPeer = values["no-peer"] ? null : await runPythonPeer("bench/peers/torch_vit_train.py", [
  "--threads",
  threads,
  "--steps",
  String(vitSteps),
  "--patch",
  String(VIT.patchSize),
  "--width",
  String(VIT.width),
  "--depth",
  String(VIT.depth),
  "--heads",
  String(VIT.heads),
  "--batch",
  String(VIT_BATCH),
  "--image",
  String(VIT.imageSize),
  "--device",
  peerDevice,
]) as { threads: number; torch: string; secondsPerStep: number } | null;
if (vitPeer) {
  console.log(
    `PyTorch ${vitPeer.torch} (${vitPeer.threads} threads), ViT: ${
      (vitPeer.secondsPerStep * 1000).toFixed(1)
    } ms per step; ours ${(vitPeer.secondsPerStep / vit.seconds).toFixed(2)}x`,
  );
}
console.log(JSON.stringify({
  provenance: await provenance(),
  backend,
  adapter: backend === "webgpu" ? await describeAdapter() : null,
  peerDevice,
  unet: { batch: BATCH, steps, pytorchThreads: peer?.threads ?? null, rows: table },
  vit: {
    options: VIT,
    batch: VIT_BATCH,
    kernelThreads: vitThreads,
    steps: vitSteps,
    secondsPerStep: vit.seconds,
    kernelSeconds: vitSplit,
    pytorchSecondsPerStep: vitPeer?.secondsPerStep ?? null,
    ratio: vitPeer ? vitPeer.secondsPerStep / vit.seconds : null,
  },
}));
