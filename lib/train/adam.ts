// The optimizer of the training loops: tf.train.adam, whose update runs as
// one kernel per variable on the wasm backend (lib/kernels/training/adam_wasm.ts)
// instead of ~12. Same state, same serialization, same numbers (tested);
// other backends run tfjs's own update.
import * as tf from "@tensorflow/tfjs";
import { ADAM_KERNEL } from "../kernels/training/adam_wasm.ts";
import { kernelRegistered } from "../kernels/runtime/registered.ts";

type Moment = { originalName: string; variable: tf.Variable };
type Gradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0];

/** tfjs's AdamOptimizer, with its update as one kernel where the backend has it. */
class AdamOneKernel extends tf.AdamOptimizer {
  /** Private in tfjs's typings; the state this class shares with its parent. */
  private get state(): {
    accBeta1: tf.Variable;
    accBeta2: tf.Variable;
    accumulatedFirstMoment: Moment[];
    accumulatedSecondMoment: Moment[];
  } {
    return this as unknown as AdamOneKernel["state"];
  }

  override applyGradients(variableGradients: Gradients): void {
    if (!kernelRegistered(ADAM_KERNEL)) return super.applyGradients(variableGradients);
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const state = this.state;
    tf.tidy(() => {
      named.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        // The moments are created as tfjs creates them, so getWeights/setWeights work.
        state.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        state.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [theta, m1, v1] = tf.engine().runKernel(
          ADAM_KERNEL,
          { theta: value, m, v, g: gradient, acc1: state.accBeta1, acc2: state.accBeta2 },
          {
            beta1: this.beta1,
            beta2: this.beta2,
            learningRate: this.learningRate,
            epsilon: this.epsilon,
          },
        ) as tf.Tensor[];
        m.assign(m1);
        v.assign(v1);
        value.assign(theta);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/**
 * Adam with tfjs's defaults (β1 = 0.9, β2 = 0.999, ε = the backend's
 * epsilon, 1e-7 in float32) and this learning rate: a tf.AdamOptimizer.
 */
export function createAdam(learningRate: number): tf.AdamOptimizer {
  return new AdamOneKernel(learningRate, 0.9, 0.999);
}
