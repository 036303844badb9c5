// Child of bench/run.ts, one per backend (FOCAL_BACKEND): how often each
// mode's gradient is non-finite, and what the backend's arithmetic does.
// Prints one JSON object.
import * as tf from "@tensorflow/tfjs";
import { BACKEND, EPSILONS, GAMMA } from "./_setup.ts";
import { describeAdapter } from "../lib/backends/use_backend.ts";
import { sigmoidFocalLoss, softmaxFocalLoss, type Stabilization } from "../mod.ts";
import {
  figure2Sweep,
  naiveSigmoidFocalLoss,
  naiveSoftmaxFocalLoss,
  PAPER_GAMMAS,
  probeBackendNumerics,
} from "../analysis.ts";

/** A mode of the comparison: a stabilization with its ε, or the naive code. */
interface Variant {
  label: string;
  stabilization: Stabilization | "naive";
  epsilon: number;
}

const VARIANTS: Variant[] = [
  { label: "naive tf composition", stabilization: "naive", epsilon: 0 },
  { label: "none", stabilization: "none", epsilon: 0 },
  ...EPSILONS.map((epsilon) => ({
    label: `epsilon ${epsilon}`,
    stabilization: "epsilon" as const,
    epsilon,
  })),
  { label: "exact", stabilization: "exact", epsilon: 0 },
];

/** Saturated batch: logits N(0, 20²), so about 40% have |x| > 17. */
const SATURATED_SCALE = 20;
const BATCH = 4096;
const CLASSES = 8;

async function nonFiniteFraction(grad: tf.Tensor): Promise<number> {
  const values = await grad.data();
  grad.dispose();
  let bad = 0;
  for (const v of values) if (!Number.isFinite(v)) bad++;
  return bad / values.length;
}

async function sigmoidBatch(v: Variant): Promise<number> {
  const x = tf.mul(tf.randomNormal([BATCH], 0, 1, "float32", 11), SATURATED_SCALE);
  const t = tf.cast(tf.less(tf.randomUniform([BATCH], 0, 1, "float32", 12), 0.3), "float32");
  const grad = tf.grad((z: tf.Tensor) =>
    v.stabilization === "naive"
      ? naiveSigmoidFocalLoss(z, t, { gamma: GAMMA }).mean()
      : sigmoidFocalLoss(z, t, {
        gamma: GAMMA,
        stabilization: v.stabilization,
        epsilon: v.epsilon,
        reduction: "mean",
      })
  )(x);
  tf.dispose([x, t]);
  return await nonFiniteFraction(grad);
}

async function softmaxBatch(v: Variant): Promise<number> {
  const rows = BATCH / CLASSES;
  const x = tf.mul(tf.randomNormal([rows, CLASSES], 0, 1, "float32", 13), SATURATED_SCALE);
  const y = tf.oneHot(tf.randomUniform([rows], 0, CLASSES, "int32", 14), CLASSES).toFloat();
  const grad = tf.grad((z: tf.Tensor) =>
    v.stabilization === "naive"
      ? naiveSoftmaxFocalLoss(z, y, { gamma: GAMMA }).mean()
      : softmaxFocalLoss(z, y, {
        gamma: GAMMA,
        stabilization: v.stabilization,
        epsilon: v.epsilon,
        reduction: "mean",
      })
  )(x);
  tf.dispose([x, y]);
  return await nonFiniteFraction(grad);
}

const rows = [];
for (const v of VARIANTS) {
  // Figure 2 grid, all of the paper's γ, both targets.
  const sweep = await figure2Sweep({
    gammas: [...PAPER_GAMMAS],
    modes: [v.stabilization],
    epsilon: v.epsilon,
  });
  const points = sweep.series.reduce((s, c) => s + c.gradient.length, 0);
  const bad = sweep.series.reduce((s, c) => s + c.nonFinite.length, 0);
  const unstable = sweep.series.filter((c) => c.gamma > 0 && c.gamma < 1);
  rows.push({
    variant: v.label,
    stabilization: v.stabilization,
    epsilon: v.epsilon,
    figure2Grid: bad / points,
    figure2GridUnstableGammas: unstable.reduce((s, c) => s + c.nonFinite.length, 0) /
      unstable.reduce((s, c) => s + c.gradient.length, 0),
    gammasWithNaN: [...new Set(sweep.series.filter((c) => c.nonFinite.length).map((c) => c.gamma))],
    sigmoidSaturatedBatch: await sigmoidBatch(v),
    softmaxSaturatedBatch: await softmaxBatch(v),
  });
}
console.log(JSON.stringify({
  backend: BACKEND,
  adapter: BACKEND === "webgpu" ? await describeAdapter() : null,
  gamma: GAMMA,
  saturatedBatch: { size: BATCH, logitScale: SATURATED_SCALE, classes: CLASSES },
  rows,
  numerics: await probeBackendNumerics(),
}));
