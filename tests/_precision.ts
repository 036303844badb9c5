// Helpers of the half-precision tests: the golden fixtures, and running a body
// on an emulating backend with the suite's own backend restored afterwards.
// Those tests are backend-independent (they run tfjs's cpu kernels), so they
// run once, in the cpu pass of the suite.
import * as tf from "@tensorflow/tfjs";
import { BACKEND } from "./_backend.ts";
import { useBackend } from "../lib/backends/use_backend.ts";
import {
  type Overflow,
  type ReducedPrecision,
  registerEmulatedBackend,
} from "../lib/precision/emulated_backend.ts";
import type { Encoded } from "./_assert.ts";

/** True outside the cpu pass: the precision tests are then ignored. */
export const NOT_CPU_PASS: boolean = BACKEND !== "cpu";

/** tests/fixtures/precision_reference.json (made by make_precision_fixtures.py). */
export interface PrecisionFixtures {
  torch: string;
  numpy: string;
  grid: { start: number; stop: number; count: number; alpha: number };
  ops: Record<"float16" | "bfloat16", Record<string, Encoded[]>>;
  masks: {
    precision: "bfloat16" | "float32";
    function: "torchvision" | "appendix_a3";
    epsilon: number;
    gamma: number;
    target: 0 | 1;
    nonFinite: string;
    grad: Encoded[] | null;
  }[];
}

export const PRECISION_FIXTURES: PrecisionFixtures = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/precision_reference.json", import.meta.url)),
);

/** Runs `fn` on the backend emulating `precision`, then returns to the suite's backend. */
export async function onEmulated<T>(
  precision: ReducedPrecision,
  fn: () => T | Promise<T>,
  overflow: Overflow = "infinity",
): Promise<T> {
  await tf.setBackend(registerEmulatedBackend(precision, { overflow }));
  try {
    return await fn();
  } finally {
    await useBackend(BACKEND);
  }
}
