// The paper's optimizer (its official code: torch.optim.SGD, lr 1e-3,
// momentum 0.9, no dampening, no Nesterov): tf.train.momentum, whose update
// runs as one kernel per variable on the wasm backend
// (lib/kernels/training/momentum_wasm.ts) instead of ~4. Same state, same
// serialization, same numbers (tested); other backends run tfjs's own update.
import * as tf from "@tensorflow/tfjs";
import { MOMENTUM_KERNEL } from "../kernels/training/momentum_wasm.ts";
import { kernelRegistered } from "../kernels/runtime/registered.ts";

type Accumulation = { originalName: string; variable: tf.Variable };
type Gradients = Parameters<tf.MomentumOptimizer["applyGradients"]>[0];

/** tfjs's MomentumOptimizer, with its update as one kernel where the backend has it. */
class MomentumOneKernel extends tf.MomentumOptimizer {
  constructor(learningRate: number, private readonly mu: number) {
    super(learningRate, mu, false);
  }

  /** Private in tfjs's typings; the state this class shares with its parent. */
  private get state(): { accumulations: Accumulation[] } {
    return this as unknown as MomentumOneKernel["state"];
  }

  /**
   * Frees everything: tfjs's MomentumOptimizer.dispose frees the momentum
   * scalar and the accumulations but not the −lr scalar its parent
   * (SGDOptimizer) keeps, one tensor leaked per optimizer.
   */
  override dispose(): void {
    super.dispose();
    (this as unknown as { c?: tf.Tensor }).c?.dispose();
  }

  override applyGradients(variableGradients: Gradients): void {
    if (!kernelRegistered(MOMENTUM_KERNEL)) return super.applyGradients(variableGradients);
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const { accumulations } = this.state;
    tf.tidy(() => {
      named.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        // Created as tfjs creates it, so getWeights/setWeights work.
        accumulations[i] ??= {
          originalName: `${name}/momentum`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        if (gradient == null) return;
        const v = accumulations[i].variable;
        const [theta, v1] = tf.engine().runKernel(
          MOMENTUM_KERNEL,
          { theta: value, v, g: gradient },
          { momentum: this.mu, learningRate: this.learningRate },
        ) as tf.Tensor[];
        v.assign(v1);
        value.assign(theta);
      });
    });
    this.incrementIterations();
  }
}

/**
 * SGD with momentum as PyTorch and tfjs define it (v ← μ·v + g,
 * θ ← θ − lr·v; no Nesterov): a tf.MomentumOptimizer.
 */
export function createMomentum(learningRate: number, momentum: number): tf.MomentumOptimizer {
  return new MomentumOneKernel(learningRate, momentum);
}
