// Seeded initializers shared by the models: a seed gives the same network on
// every backend, because the numbers come from our generator, not tfjs's.
import * as tf from "@tensorflow/tfjs";

/** A variable of `dims` filled from `values`, with no tensor left behind. */
function variableOf(values: Float32Array, dims: number[]): tf.Variable {
  const initial = tf.tensor(values, dims);
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

function sizeOf(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * PyTorch's default for nn.Conv2d, nn.ConvTranspose2d and nn.Linear, weights
 * and biases alike: U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5).
 */
export function uniformVariable(random: () => number, dims: number[], fanIn: number): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  return variableOf(
    Float32Array.from({ length: sizeOf(dims) }, () => (2 * random() - 1) * bound),
    dims,
  );
}

/** timm's ViT default: N(0, std²) truncated to ±2 std (Box–Muller, redrawn outside). */
export function truncatedNormalVariable(
  random: () => number,
  dims: number[],
  std: number,
): tf.Variable {
  const values = new Float32Array(sizeOf(dims));
  for (let i = 0; i < values.length; i++) {
    let z: number;
    do {
      z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    } while (Math.abs(z) > 2);
    values[i] = z * std;
  }
  return variableOf(values, dims);
}

/** A variable filled with one value (LayerNorm/BatchNorm scales and shifts, zero biases). */
export function constantVariable(dims: number[], value: number): tf.Variable {
  return variableOf(new Float32Array(sizeOf(dims)).fill(value), dims);
}
