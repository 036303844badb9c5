// One Web Worker of `deno task bench:training --workers N`: its own tfjs,
// timing one model's training steps while the other workers do the same.
import { parseBackend, useBackend } from "../lib/backends/use_backend.ts";
import { singleModelSecondsPerStep, type StepOptions } from "./_training_step.ts";

const scope = self as unknown as {
  postMessage(message: number | string): void;
  onmessage:
    | ((event: MessageEvent<{ backend: string; steps: number; step: StepOptions }>) => void)
    | null;
};

scope.onmessage = async ({ data }) => {
  try {
    await useBackend(parseBackend(data.backend));
    scope.postMessage(await singleModelSecondsPerStep(data.steps, data.step));
  } catch (e) {
    scope.postMessage(e instanceof Error ? e.stack ?? e.message : String(e));
  }
};
