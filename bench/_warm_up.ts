// The benchmarks' warm-up and thread count, shared by the \`deno bench\` files
// (through _setup.ts) and bench/versus.ts; no side effects on import.
import { settle } from "../lib/backends/use_backend.ts";

/** The kernel threads' default: one per logical CPU. */
export const THREADS: number = navigator.hardwareConcurrency ?? 1;

/**
 * Runs a step until V8 has optimized the JavaScript around the kernels and
 * the previous benchmark's garbage is collected: up to WARM_UP_MS or
 * WARM_UP_STEPS steps, whichever comes first (deno bench's own `warmup` is a
 * fixed count; 3 steps left small sizes 1.4–1.6× slower than in steady
 * state, more so right after the naive composition's benchmark).
 */
export async function warmUp(step: () => void | Promise<void>): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < WARM_UP_STEPS && performance.now() - started < WARM_UP_MS; i++) {
    await step();
    await settle();
  }
}

/** The warm-up's budget per benchmark: see {@linkcode warmUp}. */
export const WARM_UP_MS = 300;
export const WARM_UP_STEPS = 500;
