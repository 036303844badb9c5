// Whether a kernel of ours runs: registered for the active backend. Each user
// of a kernel decides with this for itself — the loss, the model, the
// optimizer, the batcher — so that no switch is shared between them.
import * as tf from "@tensorflow/tfjs";

/** True when `kernelName` is registered for the active backend. */
export function kernelRegistered(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
