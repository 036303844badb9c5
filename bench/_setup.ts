// Shared setup of the benchmarks: the backend comes from FOCAL_BACKEND (as in
// the tests), BENCH_QUICK=1 shrinks the run to a smoke check for CI.
import * as tf from "@tensorflow/tfjs";
import { type BackendName, parseBackend, settle, useBackend } from "../lib/backends/use_backend.ts";
import { setFocalKernelsEnabled } from "../lib/kernels/focal/focal_kernels.ts";
import { protocolStep } from "../lib/train/protocol_step.ts";
import { THREADS, warmUp } from "./_warm_up.ts";
import { KERNEL_THREADS_MIN_ELEMENTS } from "../lib/kernels/threads/kernel_threads.ts";
import type { SplitLoss } from "../threads.ts";
import {
  kernelThreadCount,
  startKernelThreads,
  stopKernelThreads,
} from "../lib/kernels/threads/kernel_threads.ts";

export const BACKEND: BackendName = parseBackend(Deno.env.get("FOCAL_BACKEND") ?? "wasm");
export const QUICK: boolean = Deno.env.get("BENCH_QUICK") === "1";
await useBackend(BACKEND);

/** Problem sizes in elements (logits): 2^12, 2^16, 2^20; 2^12 only when quick. */
export const SIZES: readonly number[] = QUICK ? [2 ** 12] : [2 ** 12, 2 ** 16, 2 ** 20];

/** The ε values of the ε × mode comparison. */
export const EPSILONS: readonly number[] = [0, 1e-6, 1e-4, 1e-3, 1e-2];

export { ALPHA, GAMMA } from "./_settings.ts";
export { THREADS } from "./_warm_up.ts";

/**
 * Iterations for a size: about 2^22 elements' worth, at most 200, and at
 * least 20 on wasm and webgpu (a mean of 4 steps at 2^20 varied by 40%
 * between runs) or 3 on cpu (~1 s per step at 2^20).
 */
export function iterations(size: number): { n: number; warmup: number } {
  if (QUICK) return { n: 3, warmup: 1 };
  const least = BACKEND === "cpu" ? 3 : 20;
  return { n: Math.max(least, Math.min(200, Math.round(2 ** 22 / size))), warmup: 3 };
}

/** A benchmark's label: the group holds the loss, size and backend. */
export function group(loss: string, size: number): string {
  return `${loss} n=${size} ${BACKEND}`;
}

/**
 * Registers one forward+backward benchmark: `grad(mean loss)` of logits with
 * `size` elements, waiting for the backend to finish (webgpu is asynchronous).
 * `fused: false` runs the composed form, to show what the kernels buy;
 * `threads: true` runs with the kernel threads (one per CPU), which stay up
 * until a benchmark without them runs.
 */
export function benchGradient(
  options: {
    loss: string;
    size: number;
    name: string;
    baseline?: boolean;
    fused?: boolean;
    threads?: boolean;
  },
  inputs: () => { x: tf.Tensor; t: tf.Tensor },
  loss: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor,
): void {
  const { n, warmup } = iterations(options.size);
  let data: { x: tf.Tensor; t: tf.Tensor } | null = null;
  let warmedUp = false;
  const f = tf.grad((x: tf.Tensor) => loss(x, data!.t));
  Deno.bench({
    name: options.name,
    group: group(options.loss, options.size),
    baseline: options.baseline ?? false,
    n,
    warmup,
    async fn(b) {
      data ??= inputs();
      if (options.threads && kernelThreadCount() === 1) {
        await startKernelThreads();
        // The helpers' first calls include V8 optimizing their code.
        for (let i = 0; i < 5; i++) f(data.x).dispose();
        await settle();
      }
      if (!options.threads) stopKernelThreads();
      setFocalKernelsEnabled(options.fused ?? true);
      if (!warmedUp) {
        await warmUp(() => f(data!.x).dispose());
        warmedUp = true;
      }
      b.start();
      const g = f(data.x);
      await settle();
      b.end();
      g.dispose();
      setFocalKernelsEnabled(true);
    },
  });
}

/**
 * The exact mode's benchmark, and on wasm from the loss's
 * KERNEL_THREADS_MIN_ELEMENTS (with more than one CPU) the same with the
 * kernel threads.
 */
export function benchExact(
  loss: string,
  threads: SplitLoss,
  size: number,
  inputs: () => { x: tf.Tensor; t: tf.Tensor },
  exact: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor,
): void {
  benchGradient({ loss, size, name: "exact" }, inputs, exact);
  if (BACKEND === "wasm" && size >= KERNEL_THREADS_MIN_ELEMENTS[threads] && THREADS > 1) {
    benchGradient({ loss, size, name: `exact, ${THREADS} threads`, threads: true }, inputs, exact);
  }
}

/** A mode as the Quality and Unified losses take it. */
export interface ModeOptions {
  stabilization: "none" | "exact" | "epsilon";
  epsilon?: number;
}

/**
 * The rows of a loss without its own ε sweep (Quality, Unified) at one size:
 * `"none"` composed (the baseline), `"exact"` on the kernels (and with the
 * kernel threads), `"exact"` composed, then `"none"` and ε = 1e-3 on the
 * kernels. `ours` gives the loss for a mode.
 */
export function benchModes(
  loss: string,
  threads: SplitLoss,
  size: number,
  inputs: () => { x: tf.Tensor; t: tf.Tensor },
  ours: (mode: ModeOptions) => (x: tf.Tensor, t: tf.Tensor) => tf.Tensor,
): void {
  const composed = { loss, size, fused: false };
  benchGradient(
    { ...composed, name: "none (composed)", baseline: true },
    inputs,
    ours({ stabilization: "none" }),
  );
  benchExact(loss, threads, size, inputs, ours({ stabilization: "exact" }));
  benchGradient(
    { ...composed, name: "exact (composed)" },
    inputs,
    ours({ stabilization: "exact" }),
  );
  benchGradient({ loss, size, name: "none" }, inputs, ours({ stabilization: "none" }));
  benchGradient(
    { loss, size, name: "epsilon 0.001" },
    inputs,
    ours({ stabilization: "epsilon", epsilon: 1e-3 }),
  );
}

/** One training-step benchmark: a model, its batch, and the loss options. */
export interface TrainingStepBench {
  name: string;
  group: string;
  n: number;
  warmup: number;
  /** Built once, on the first iteration. */
  setup(): {
    model: { forward(x: tf.Tensor4D): tf.Tensor; variables: tf.Variable[] };
    x: tf.Tensor4D;
    y: tf.Tensor;
  };
  stabilization?: "exact" | "none";
  /** With the kernel threads (one per logical CPU) running; else without. */
  threads?: boolean;
}

/**
 * Registers `deno bench` of one training step: forward, the paper's focal
 * loss (γ = α_t = 0.5, mean) and the paper's SGD with momentum, waiting for
 * the backend.
 */
export function benchTrainingStep(options: TrainingStepBench): void {
  let step: (() => void) | null = null;
  Deno.bench({
    name: options.name,
    group: options.group,
    n: options.n,
    warmup: options.warmup,
    async fn(b) {
      step ??= protocolStep(options.setup(), options.stabilization).step;
      if (options.threads && kernelThreadCount() === 1) {
        await startKernelThreads();
        // The helpers' first calls include V8 optimizing their code.
        for (let i = 0; i < 3; i++) step();
        await settle();
      }
      if (!options.threads) stopKernelThreads();
      b.start();
      step();
      await settle();
      b.end();
    },
  });
}
