// The four losses as bench/versus.ts and bench/threads.ts time them: each
// loss's exact mode on its benchmark inputs, forward+backward, the median
// step after a warm-up.
import * as tf from "@tensorflow/tfjs";
import { settle } from "../lib/backends/use_backend.ts";
import type { SplitLoss } from "../threads.ts";
import { qualityFocalLoss, sigmoidFocalLoss, softmaxFocalLoss, unifiedFocalLoss } from "../mod.ts";
import {
  binaryInputs,
  type Inputs,
  maskInputs,
  qualityInputs,
  softmaxIndexInputs,
  softmaxInputs,
} from "./_inputs.ts";
import { ALPHA, GAMMA } from "./_settings.ts";
import type { PEER_OF } from "../lib/results/bench_summary.ts";
import { warmUp } from "./_warm_up.ts";
import { DEBUG_OPTION, UsageError } from "../lib/cli/usage.ts";
import { DEFAULT_SPIN_MICROSECONDS } from "../lib/kernels/threads/kernel_threads.ts";

/** One loss as the benches run it: inputs, our exact mode, whose thread threshold applies. */
export interface Workload {
  loss: keyof typeof PEER_OF;
  /** Its row in a table, when one loss has several (the loss's name when absent). */
  label?: string;
  /** Its PyTorch peer in bench/peers/torchvision_focal.py (PEER_OF[loss] when absent). */
  peer?: string;
  threads: SplitLoss;
  inputs(size: number): Inputs;
  ours(x: tf.Tensor, t: tf.Tensor): tf.Tensor;
}

/** The losses, in the order of the tables. */
export const WORKLOADS: Workload[] = [
  {
    loss: "sigmoidFocalLoss",
    threads: "sigmoid",
    inputs: binaryInputs,
    ours: (x, t) => sigmoidFocalLoss(x, t, { alpha: ALPHA, gamma: GAMMA, reduction: "mean" }),
  },
  {
    loss: "softmaxFocalLoss",
    threads: "softmax",
    inputs: softmaxInputs,
    ours: (x, t) => softmaxFocalLoss(x, t, { gamma: GAMMA, reduction: "mean" }),
  },
  {
    loss: "qualityFocalLoss",
    threads: "quality",
    inputs: qualityInputs,
    ours: (x, t) => qualityFocalLoss(x, t, { beta: GAMMA, reduction: "mean" }),
  },
  {
    loss: "unifiedFocalLoss",
    threads: "unified",
    inputs: maskInputs,
    ours: (x, t) => unifiedFocalLoss(x, t, { gamma: GAMMA, weight: 0.5, delta: 0.6 }),
  },
];

/**
 * The softmax loss at 16 classes with int32 class indices, beside one-hot
 * targets over the same logits (bench:versus), each against the PyTorch a
 * user of that target form runs: kornia's composition with one-hot targets,
 * and with class indices made one-hot inside the step, as kornia's
 * focal_loss does.
 */
export const CLASS_INDEX_WORKLOADS: Workload[] = [false, true].map((indices) => ({
  loss: "softmaxFocalLoss",
  label: `softmaxFocalLoss, 16 classes, ${indices ? "int32 class indices" : "one-hot targets"}`,
  peer: `kornia-style softmax focal, 16 classes${indices ? ", class indices" : ""}`,
  threads: "softmax",
  inputs: (size: number) => softmaxIndexInputs(size, indices),
  ours: (x: tf.Tensor, t: tf.Tensor) => softmaxFocalLoss(x, t, { gamma: GAMMA, reduction: "mean" }),
}));

/**
 * Elements per second of forward+backward: the median step after a
 * warm-up. With `dispatches` > 1 a timed unit is that many steps queued
 * between two waits for the device (on a GPU one wait costs more than a
 * large kernel), and a step is its mean.
 */
export async function oursRate(w: Workload, size: number, dispatches = 1): Promise<number> {
  const { x, t } = w.inputs(size);
  const grad = tf.grad((z: tf.Tensor) => w.ours(z, t));
  const step = async () => {
    for (let i = 0; i < dispatches; i++) {
      const g = grad(x);
      if (i === dispatches - 1) await settle();
      g.dispose();
    }
  };
  await warmUp(step);
  const times: number[] = [];
  const units = Math.max(30, Math.min(200, Math.round(2 ** 22 / size / dispatches)));
  for (let i = 0; i < units; i++) {
    const start = performance.now();
    await step();
    times.push((performance.now() - start) / dispatches);
  }
  tf.dispose([x, t]);
  times.sort((a, b) => a - b);
  return size / (times[times.length >> 1] / 1000);
}

/** The median of a list (the mean of the middle two for an even count). */
export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Millions per second, as the tables print them. */
export const mps = (v: number): string => (v / 1e6).toFixed(v >= 1e7 ? 0 : 1);

/** The command-line options both alternating benches share, with their defaults. */
export function alternatingOptions(rounds: number, sizes: number[]) {
  return {
    rounds: { type: "string", default: String(rounds) },
    sizes: { type: "string", default: sizes.join(",") },
    // How long an idle kernel-thread helper polls (0: it sleeps at once).
    spin: { type: "string", default: String(DEFAULT_SPIN_MICROSECONDS) },
    out: { type: "string" },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  } as const;
}

/**
 * --rounds and --sizes as both alternating benches take them: a positive
 * round count, and sizes that are multiples of `multipleOf` (at least 8).
 */
export function roundsAndSizes(
  values: { rounds: string; sizes: string },
  multipleOf = 1,
): { rounds: number; sizes: number[] } {
  const rounds = Number(values.rounds);
  const sizes = values.sizes.split(",").map(Number);
  const ok = (n: number) =>
    Number.isInteger(n) && n >= Math.max(8, multipleOf) && n % multipleOf === 0;
  if (!(Number.isInteger(rounds) && rounds >= 1) || !sizes.every(ok)) {
    throw new UsageError(
      `--rounds takes a positive integer and --sizes integers of 8 or more${
        multipleOf > 1 ? `, multiples of ${multipleOf}` : ""
      }`,
    );
  }
  return { rounds, sizes };
}

/**
 * `--spin`: microseconds an idle helper polls before it sleeps. Calls back to
 * back find it polling; with 0 every call first wakes it, as the loss calls
 * of a training step do, whose other ops take longer than the default.
 */
export function spinOf(values: { spin: string }): number {
  const spin = Number(values.spin);
  if (!(Number.isFinite(spin) && spin >= 0)) {
    throw new UsageError("--spin takes a number of microseconds ≥ 0");
  }
  return spin;
}
