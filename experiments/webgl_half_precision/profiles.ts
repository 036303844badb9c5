// The half-precision training experiment's protocol, named once: the paper's
// MNIST protocol (Sec. 2.5.1, the official code: SGD momentum 0.9, lr 1e-3,
// batches of 64, α 0.5, ε 1e-3, no noise) at γ = 0.5, thresholds 0 and 8,
// the three modes, trained in Chromium on webgl with float32 textures (the
// control) and with half-float textures, on a stratified subset of the
// training set: SwiftShader's WebGL2 takes ≈ 0.65 s a step of this CNN here,
// so the full set's 938 steps an epoch do not fit a few minutes.
import type { WebglTrainingSpec } from "./training_spec.ts";

/** The texture precisions: the control, and what many phones store. */
export const TEXTURES = ["float32", "float16"] as const;
export type Texture = (typeof TEXTURES)[number];

/** A profile: how many images and epochs each run gets. */
export interface WebglProfile {
  name: "default" | "smoke";
  description: string;
  trainSamples: number;
  epochs: number;
  thresholds: number[];
  stabilizations: ("none" | "epsilon" | "exact")[];
}

/** The protocol every run shares (the MNIST experiment's, at γ = 0.5, no noise). */
export const PROTOCOL = {
  gamma: 0.5,
  alpha: 0.5,
  epsilon: 1e-3,
  batchSize: 64,
  optimizer: "sgd",
  learningRate: 1e-3,
  momentum: 0.9,
  noise: "none",
  model: "binary-cnn",
} as const;

export const PROFILES: Record<WebglProfile["name"], WebglProfile> = {
  default: {
    name: "default",
    description: "2 thresholds × 3 modes × 2 texture precisions, 2 epochs of 2,048 images " +
      "(64 steps a run; ≈ 8 minutes on SwiftShader here)",
    trainSamples: 2048,
    epochs: 2,
    thresholds: [0, 8],
    stabilizations: ["none", "epsilon", "exact"],
  },
  smoke: {
    name: "smoke",
    description: "threshold 0, original and exact, both precisions, 1 epoch of 128 images",
    trainSamples: 128,
    epochs: 1,
    thresholds: [0],
    stabilizations: ["none", "exact"],
  },
};

/** One run of a profile: its id, grid position, config, and what the page trains. */
export interface WebglRun {
  runId: string;
  index: number;
  texture: Texture;
  threshold: number;
  config: WebglTrainingSpec["config"] & {
    threshold: number;
    precision: Texture;
    noise: "none";
    model: string;
    trainSamples: number;
  };
}

/** The profile's runs, float32 textures first (one page load per precision). */
export function webglRuns(profile: WebglProfile): WebglRun[] {
  const runs: WebglRun[] = [];
  for (const texture of TEXTURES) {
    for (const threshold of profile.thresholds) {
      for (const stabilization of profile.stabilizations) {
        runs.push({
          runId: `${texture}/threshold=${threshold}/${stabilization}`,
          index: runs.length,
          texture,
          threshold,
          config: {
            ...PROTOCOL,
            stabilization,
            epsilon: stabilization === "epsilon" ? PROTOCOL.epsilon : 0,
            threshold,
            precision: texture,
            epochs: profile.epochs,
            trainSamples: profile.trainSamples,
          },
        });
      }
    }
  }
  return runs;
}
