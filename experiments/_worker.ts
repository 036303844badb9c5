// A Web Worker of the runner (experiments/_runner.ts): its own tfjs on its
// own thread, initialized once, then one run per message.
import { useBackend } from "../lib/backends/use_backend.ts";
import type { FromWorker, ToWorker } from "./_runner.ts";
import { trainOne } from "./_runner.ts";
import { EXPERIMENTS } from "./registry.ts";
import type { Checkpointing } from "./_checkpoints.ts";
import { TrainingInterrupted } from "../lib/train/train_binary.ts";
import type { Experiment, ProfileBase } from "./_experiment.ts";

// The worker's global scope, typed as Deno types a worker's `self`.
const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

let experiment: Experiment<ProfileBase> | undefined;
let context: unknown;
let checkpointing: Checkpointing | null = null;
let seed = 0;

function reply(message: FromWorker) {
  scope.postMessage(message);
}

scope.onmessage = async ({ data }: MessageEvent<ToWorker>) => {
  try {
    if (data.type === "init") {
      await useBackend(data.settings.backend.name);
      experiment = EXPERIMENTS[data.experiment] as Experiment<ProfileBase>;
      context = await experiment.prepare(data.profile, data.settings);
      checkpointing = data.checkpointing;
      seed = data.settings.seed;
      reply({ type: "ready" });
    } else {
      if (experiment === undefined) throw new Error("a run arrived before init");
      try {
        const finished = await trainOne(
          experiment,
          context,
          data.run,
          seed,
          checkpointing,
          (runId, from) => reply({ type: "resumed", runId, from }),
        );
        reply({ type: "done", ...finished });
      } catch (e) {
        if (!(e instanceof TrainingInterrupted)) throw e;
        reply({ type: "interrupted", runId: data.run.runId });
      }
    }
  } catch (e) {
    reply({
      type: "error",
      message: e instanceof Error ? e.message : String(e),
      stack: e instanceof Error ? e.stack : undefined,
    });
  }
};
