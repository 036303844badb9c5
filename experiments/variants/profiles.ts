// The variants experiment (not in the paper) as data. The paper conjectures
// (Sec. 1 and 4) that its instability reaches the variants that use the
// focusing parameter as the focal loss does; this experiment trains two of
// them under the paper's protocol (SGD with momentum 0.9, lr 1e-3, batches
// of 64, the full training set), each in its original composition ("none")
// and its stable form ("exact"):
//
// - the Unified Focal Loss (Yeung et al., 2022) on the MNIST segmentation
//   task of Figure 6 (the paper's "simplistic segmentation task"), no noise,
//   γ ∈ {0.2, 0.5, 0.8}, plus a third arm with its authors' clipping of the
//   predictions to [1e-7, 1 − 1e-7] (composed by the experiment, the
//   package's loss stays unclipped), which the paper names as the reason
//   the instability went unseen;
// - the Adaptive Focal Loss (Islam et al., 2024) on the same task, its γ
//   computed per batch from the masks (smoothness plus foreground fraction,
//   ≈ 0.2–0.3 on MNIST's), in three arms: the paper's formula with `pow`
//   ("none"), its authors' code (MONAI's log-space factor with their channel
//   weights, composed by the experiment: "authors") and the exact form;
// - the Quality Focal Loss (Li et al., 2020) on the MNIST classification task
//   of Figure 4, β ∈ {0.1, 0.5, 0.9}, thresholds 0 and 8, with hard targets
//   and with soft ones (SOFT_TARGETS: label smoothing, a rule fixed for every
//   image).
import type { OptimizerConfig } from "../../lib/train/optimizer.ts";
import { PAPER_OPTIMIZER } from "../../lib/train/optimizer.ts";
import type { GridRun, ProfileBase, Profiles } from "../_experiment.ts";
import { SMALL_WIDTH } from "../mnist_segmentation/profiles.ts";

/** The Unified Focal Loss's arms: its original composition, its exact form, the authors' clipping. */
export type UnifiedArm = "none" | "exact" | "clipped";

/**
 * The Adaptive Focal Loss's arms: the paper's formula with `pow` ("none"),
 * its authors' log-space composition ("authors"), the exact form.
 */
export type AdaptiveArm = "none" | "authors" | "exact";

/** The Quality Focal Loss's arms. */
export type QualityArm = "none" | "exact";

/** Hard 0/1 targets, or the soft targets of SOFT_TARGETS. */
export type TargetKind = "hard" | "soft";

/**
 * Soft quality targets from a binary label y: y·(1 − 2s) + s, label
 * smoothing with s = 0.05 (positives 0.95, negatives 0.05). QFL's factor
 * |y − σ(x)|^β then vanishes at a finite logit (σ(x) = 0.95 or 0.05), the
 * cusp its docs describe, instead of only at saturation.
 */
export const SOFT_TARGETS = { smoothing: 0.05 } as const;

/**
 * The clipping of the Unified Focal Loss's reference code
 * (`K.clip(y_pred, K.epsilon(), 1 − K.epsilon())`, K.epsilon() = 1e-7).
 */
export const AUTHORS_CLIP = 1e-7;

/** Images the trained model's logit range is read on (the first of the training set). */
export const LOGIT_RANGE_IMAGES = 256;

/** The `gamma` (and `focus`) an Adaptive run records: its γ is computed per batch. */
export const ADAPTIVE_GAMMA = -1;

/** λ and δ of the Unified Focal Loss: its authors' defaults (asym_unified_focal_loss). */
export const UNIFIED_WEIGHTS = { weight: 0.5, delta: 0.6 } as const;

/** What both tasks share: the paper's optimizer and batch. */
interface Protocol {
  batchSize: number;
  optimizer: OptimizerConfig;
}

/** One profile of the experiment. */
export interface VariantsProfile extends ProfileBase {
  unified: Protocol & {
    gammas: readonly number[];
    arms: readonly UnifiedArm[];
    /** Width of the U-Net's first level (Appendix A.6: 64). */
    width: number;
    epochs: number;
    trainSamples: number | null;
    /** Pixels above this intensity are foreground (Sec. 2.5.3). */
    maskThreshold: number;
  };
  /** The Adaptive Focal Loss's runs: the Unified runs' U-Net, masks and cap. */
  adaptive: { arms: readonly AdaptiveArm[] };
  quality: Protocol & {
    betas: readonly number[];
    thresholds: readonly number[];
    targets: readonly TargetKind[];
    arms: readonly QualityArm[];
    epochs: number;
    trainSamples: number | null;
  };
}

const PROTOCOL: Protocol = { batchSize: 64, optimizer: PAPER_OPTIMIZER };

/** The whole set at this machine's scale: the U-Net of Figure 6's default, the CNN at Figure 4's default cap. */
const WHOLE = {
  unified: {
    ...PROTOCOL,
    gammas: [0.2, 0.5, 0.8],
    arms: ["none", "exact", "clipped"],
    // Width 4, 2 epochs: Figure 6's default (938 steps of ~140 ms an epoch
    // on a core here); 9 runs of ~4.5 min are half of the set's budget.
    width: 4,
    epochs: 2,
    trainSamples: null,
    maskThreshold: 0.5,
  },
  // Not in the whole set here: its runs belong to the width4 profile's horizon.
  adaptive: { arms: [] },
  quality: {
    ...PROTOCOL,
    betas: [0.1, 0.5, 0.9],
    thresholds: [0, 8],
    targets: ["hard", "soft"],
    arms: ["none", "exact"],
    // Figure 4's default cap: 20 of the paper's 100 epochs.
    epochs: 20,
    trainSamples: null,
  },
} as const satisfies Omit<VariantsProfile, keyof ProfileBase>;

/**
 * The cells `deno task reproduce --profile default` runs of this experiment
 * (≈ 12 minutes of two cores); `deno task experiment variants` runs them all.
 */
export const REPRODUCE_SAMPLE: Record<string, string[]> = { focus: ["0.5"] };

/** Every arm of the Adaptive Focal Loss. */
const ADAPTIVE_ARMS: readonly AdaptiveArm[] = ["none", "authors", "exact"];

/**
 * The profiles: `paper` longer and wider, `default` the whole set here,
 * `smoke` for CI, and `width4` (`deno task experiment` only): the U-Net
 * losses at Figure 6's width-4 scale (SMALL_WIDTH: the width4 profile of
 * mnist-segmentation), where its original meets its NaN if anywhere here.
 */
export const PROFILES: Profiles<VariantsProfile> = {
  paper: {
    name: "paper",
    description: "The set at the paper's scale: the width-64 U-Net of A.6 for 1000 epochs and " +
      "the CNN for Figure 4's 100 epochs (for a GPU machine)",
    unified: { ...WHOLE.unified, width: 64, epochs: 1000 },
    adaptive: { arms: ADAPTIVE_ARMS },
    quality: { ...WHOLE.quality, epochs: 100 },
  },
  width4: {
    name: "width4",
    description: `The U-Net losses at Figure 6's width-${SMALL_WIDTH.width} scale, ` +
      `${SMALL_WIDTH.epochs} epochs of 938 steps: the Unified Focal Loss (γ 0.5) original, ` +
      "exact and with its authors' clipping; the Adaptive Focal Loss with pow, its authors' " +
      "log-space code, and exact: 6 runs on all 60,000 images",
    unified: { ...WHOLE.unified, gammas: [0.5], ...SMALL_WIDTH },
    adaptive: { arms: ADAPTIVE_ARMS },
    quality: { ...WHOLE.quality, betas: [] },
  },
  default: {
    name: "default",
    description: "Unified Focal Loss on MNIST segmentation (U-Net width 4, 2 epochs of 938 " +
      "steps), γ 0.2/0.5/0.8 × original/exact/authors' clipping; Quality Focal Loss on MNIST " +
      "classification (20 epochs), β 0.1/0.5/0.9 × thresholds 0, 8 × hard/soft targets × " +
      "original/exact: 33 runs on all 60,000 images",
    ...WHOLE,
  },
  smoke: {
    name: "smoke",
    description: "Every code path: U-Net width 2 on 128 images, CNN on 256, 2 epochs, γ = β = 0.5",
    unified: { ...WHOLE.unified, gammas: [0.5], width: 2, trainSamples: 128 },
    adaptive: { arms: ADAPTIVE_ARMS },
    quality: {
      ...WHOLE.quality,
      betas: [0.5],
      thresholds: [0],
      epochs: 2,
      trainSamples: 256,
    },
  },
};

/** The fields of a run's config that this experiment's training reads. */
export type VariantConfig = GridRun["config"] & OptimizerConfig & {
  loss: "unified" | "adaptive" | "quality";
  /** The focusing exponent: the Unified loss's γ, the Quality loss's β. */
  focus: number;
  stabilization: "none" | "exact";
  /** The authors' clipping (Unified, third arm), or absent. */
  clip?: number;
  epochs: number;
  batchSize: number;
  trainSamples: number | null;
};

/** The Unified runs' config fields. */
export type UnifiedConfig = VariantConfig & {
  loss: "unified";
  weight: number;
  delta: number;
  maskThreshold: number;
  width: number;
};

/**
 * The Adaptive runs' config fields: `gamma` and `focus` are −1, γ being
 * computed per batch (`adaptiveGamma`: from the batch's first mask, as the
 * authors' code does); `authors` marks their log-space composition.
 */
export type AdaptiveConfig = VariantConfig & {
  loss: "adaptive";
  adaptiveGamma: "first";
  authors?: true;
  maskThreshold: number;
  width: number;
};

/** The Quality runs' config fields. */
export type QualityConfig = VariantConfig & {
  loss: "quality";
  threshold: number;
  targets: TargetKind;
};

/** The optimizer fields as a run records them. */
function optimizerFields(o: OptimizerConfig) {
  return o.optimizer === "sgd"
    ? { optimizer: o.optimizer, learningRate: o.learningRate, momentum: o.momentum }
    : { optimizer: o.optimizer, learningRate: o.learningRate };
}

/** The U-Net runs' protocol fields, in the records' order: no noise, cap, images, optimizer, masks, model. */
function segmentationFields(u: VariantsProfile["unified"]) {
  return {
    noise: "none" as const,
    epochs: u.epochs,
    trainSamples: u.trainSamples,
    batchSize: u.batchSize,
    ...optimizerFields(u.optimizer),
    maskThreshold: u.maskThreshold,
    width: u.width,
    model: `unet-a6-width${u.width}`,
  };
}

/**
 * The runs of a profile in a fixed order: the Unified runs (γ × arm), the
 * Adaptive runs (arm; on the Unified runs' U-Net, masks and cap), then the
 * Quality runs (threshold × β × targets × arm). Every record carries the
 * fields all experiments record: `gamma` is the focusing exponent (β for the
 * Quality loss, ADAPTIVE_GAMMA for the Adaptive one), `alpha` is −1 (no loss
 * here uses α: torchvision's convention for none), `epsilon` 0 (no arm uses
 * Eq. (11)).
 */
export function runGrid(profile: VariantsProfile): GridRun[] {
  const runs: Omit<GridRun, "index">[] = [];
  const u = profile.unified;
  for (const gamma of u.gammas) {
    for (const arm of u.arms) {
      runs.push({
        runId: `unified/gamma=${gamma}/${arm}`,
        // A cell's arms start from the same weights and see the same batches.
        pair: `variants/unified/gamma=${gamma}`,
        config: {
          loss: "unified",
          focus: gamma,
          gamma,
          alpha: -1,
          ...UNIFIED_WEIGHTS,
          stabilization: arm === "exact" ? "exact" : "none",
          ...(arm === "clipped" ? { clip: AUTHORS_CLIP } : {}),
          epsilon: 0,
          ...segmentationFields(u),
        },
      });
    }
  }
  for (const arm of profile.adaptive.arms) {
    runs.push({
      runId: `adaptive/${arm}`,
      pair: "variants/adaptive",
      config: {
        loss: "adaptive",
        // Computed per batch: −1 says so, as alpha −1 says none.
        focus: ADAPTIVE_GAMMA,
        gamma: ADAPTIVE_GAMMA,
        adaptiveGamma: "first",
        alpha: -1,
        stabilization: arm === "exact" ? "exact" : "none",
        ...(arm === "authors" ? { authors: true } : {}),
        epsilon: 0,
        ...segmentationFields(u),
      },
    });
  }
  const q = profile.quality;
  for (const threshold of q.thresholds) {
    for (const beta of q.betas) {
      for (const targets of q.targets) {
        for (const arm of q.arms) {
          runs.push({
            runId: `quality/threshold=${threshold}/beta=${beta}/${targets}/${arm}`,
            pair: `variants/quality/threshold=${threshold}/beta=${beta}/${targets}`,
            config: {
              loss: "quality",
              threshold,
              targets,
              focus: beta,
              gamma: beta,
              alpha: -1,
              stabilization: arm,
              epsilon: 0,
              noise: "none",
              epochs: q.epochs,
              trainSamples: q.trainSamples,
              batchSize: q.batchSize,
              ...optimizerFields(q.optimizer),
              model: "binary-cnn-a4",
            },
          });
        }
      }
    }
  }
  return runs.map((r, index) => ({ ...r, index }));
}
