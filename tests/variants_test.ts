import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { validateRecord as validate } from "./_schema.ts";
import { name, RTOL } from "./_backend.ts";
import {
  ADAPTIVE_GAMMA,
  AUTHORS_CLIP,
  PROFILES,
  REPRODUCE_SAMPLE,
  runGrid,
} from "../experiments/variants/profiles.ts";
import {
  nonFiniteParts,
  PART_NAMES,
  softTargets,
  variants,
} from "../experiments/variants/experiment.ts";
import { clippedUnifiedParts } from "../experiments/variants/clipped_unified.ts";
import { adaptiveParts, authorsAdaptiveLoss } from "../experiments/variants/authors_adaptive.ts";
import {
  PROFILES as SEGMENTATION_PROFILES,
  runGrid as segmentationGrid,
} from "../experiments/mnist_segmentation/profiles.ts";
import { assertClose, decode, read } from "./_assert.ts";
import { variantsSections } from "../experiments/variants/report.ts";
import { stepsTrained } from "../experiments/variants/figure.ts";
import { unifiedParts } from "../lib/losses/unified_parts.ts";
import { selectRuns } from "../experiments/_experiment.ts";
import { runWith } from "./_runs.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

Deno.test("the variants grid: Unified γ × 3 arms, Quality threshold × β × targets × 2 arms", () => {
  const grid = runGrid(PROFILES.default);
  assert.equal(grid.length, 33);
  assert.equal(new Set(grid.map((r) => r.runId)).size, 33);
  const unified = grid.filter((r) => r.config.loss === "unified");
  assert.deepEqual(unified.map((r) => r.runId).slice(0, 3), [
    "unified/gamma=0.2/none",
    "unified/gamma=0.2/exact",
    "unified/gamma=0.2/clipped",
  ]);
  for (const r of unified) {
    assert.equal(r.config.width, 4);
    assert.equal(r.config.noise, "none");
    assert.equal(r.config.clip, r.runId.endsWith("/clipped") ? AUTHORS_CLIP : undefined);
    assert.equal(r.config.stabilization, r.runId.endsWith("/exact") ? "exact" : "none");
  }
  const quality = grid.filter((r) => r.config.loss === "quality");
  assert.equal(quality.length, 24);
  assert.ok(quality.every((r) => r.config.gamma === r.config.focus && r.config.epochs === 20));
  // The sample deno task reproduce runs: γ = β = 0.5, every arm.
  const sample = selectRuns(grid, { cells: REPRODUCE_SAMPLE });
  assert.equal(sample.length, 3 + 8);
  // The Adaptive arms: in smoke and paper, not in the default's whole set.
  assert.equal(runGrid(PROFILES.smoke).length, 10);
  assert.equal(runGrid(PROFILES.paper).length, 36);
});

Deno.test("the width4 profile: the U-Net losses at Figure 6's width-4 scale", () => {
  const grid = runGrid(PROFILES.width4);
  assert.deepEqual(grid.map((r) => r.runId), [
    "unified/gamma=0.5/none",
    "unified/gamma=0.5/exact",
    "unified/gamma=0.5/clipped",
    "adaptive/none",
    "adaptive/authors",
    "adaptive/exact",
  ]);
  // Figure 6's width-4 profile: its width, cap, masks and protocol.
  const figure6 = segmentationGrid(SEGMENTATION_PROFILES.width4)[0].config;
  for (const r of grid) {
    for (const key of ["width", "model", "epochs", "batchSize", "trainSamples", "maskThreshold"]) {
      assert.equal(r.config[key], figure6[key], `${r.runId}: ${key}`);
    }
    assert.equal(r.config.learningRate, figure6.learningRate);
    assert.equal(r.config.momentum, figure6.momentum);
  }
  const adaptive = grid.filter((r) => r.config.loss === "adaptive");
  assert.ok(
    adaptive.every((r) => r.config.gamma === ADAPTIVE_GAMMA && r.pair === "variants/adaptive"),
  );
  assert.deepEqual(adaptive.map((r) => [r.config.stabilization, r.config.authors]), [
    ["none", undefined],
    ["none", true],
    ["exact", undefined],
  ]);
});

Deno.test(
  name("the authors' Adaptive composition against their MONAI code, and its parts"),
  async () => {
    const fixtures = JSON.parse(
      await Deno.readTextFile(new URL("./fixtures/adaptive_reference.json", import.meta.url)),
    ).cases;
    for (const c of fixtures) {
      const x = tf.tensor(c.logits, c.shape), y = tf.tensor(c.targets, c.shape);
      const { value, grad } = tf.valueAndGrad((z: tf.Tensor) =>
        authorsAdaptiveLoss(z, y, c.gammaFirst)
      )(x);
      assertClose(await read(value), [c.authors.loss], { rtol: RTOL, what: "authors' loss" });
      assertClose(await read(grad), decode(c.authors.grad), {
        rtol: 10 * RTOL,
        atol: 1e-8,
        what: "authors' grad",
      });
      tf.dispose([x, y, value, grad]);
    }
    // A background pixel at x = −30: the pow form's factor is singular alone,
    // the log-space factor never is; the cross-entropy is finite in both.
    const { x, y } = image(2, -30);
    const parts = (composition: "pow" | "authors") => (l: tf.Tensor, t: tf.Tensor) =>
      adaptiveParts(l, t, 0.25, composition);
    assert.deepEqual(await nonFiniteParts(parts("pow"), PART_NAMES.adaptive, x, y), ["factor"]);
    assert.deepEqual(await nonFiniteParts(parts("authors"), PART_NAMES.adaptive, x, y), []);
    tf.dispose([x, y]);
  },
);

Deno.test("a cell's arms share a pair (and so their seeds), other cells do not", () => {
  const runs = selectRuns(runGrid(PROFILES.paper), { repeats: 3 });
  const pair = (id: string) => runs.find((r) => r.runId === id)!.pair;
  assert.equal(pair("unified/gamma=0.5/none"), pair("unified/gamma=0.5/clipped"));
  assert.equal(pair("unified/gamma=0.5/exact/repeat=2"), "variants/unified/gamma=0.5/repeat=2");
  assert.notEqual(
    pair("quality/threshold=0/beta=0.5/hard/none"),
    pair("quality/threshold=0/beta=0.5/soft/none"),
  );
});

Deno.test("soft targets: label smoothing 0.05, in float32", () => {
  assert.deepEqual([...softTargets(Float32Array.of(0, 1))], [Math.fround(0.05), Math.fround(0.95)]);
});

const parts = {
  none: (x: tf.Tensor, y: tf.Tensor) =>
    unifiedParts(x, y, { delta: 0.6, gamma: 0.5, stabilization: "none", epsilon: 0 }),
  exact: (x: tf.Tensor, y: tf.Tensor) =>
    unifiedParts(x, y, { delta: 0.6, gamma: 0.5, stabilization: "exact", epsilon: 0 }),
  clipped: (x: tf.Tensor, y: tf.Tensor) =>
    clippedUnifiedParts(x, y, { delta: 0.6, gamma: 0.5, clip: AUTHORS_CLIP }),
};

Deno.test(
  name("the authors' clipping changes nothing where no prediction is clipped"),
  async () => {
    const x = tf.randomNormal([2, 6, 6, 1], 0, 2, "float32", 3);
    const y = tf.cast(
      tf.greater(tf.randomUniform([2, 6, 6, 1], 0, 1, "float32", 4), 0.6),
      "float32",
    );
    for (const part of ["focal", "tversky"] as const) {
      const [a, b] = [parts.none, parts.clipped].map((f) =>
        tf.valueAndGrad((l: tf.Tensor) => f(l, y)[part] as tf.Scalar)(x)
      );
      const [va] = await a.value.data(), [vb] = await b.value.data();
      assert.ok(Math.abs(va - vb) <= 10 * RTOL * Math.abs(va), `${part}: ${va} vs ${vb}`);
      const ga = await a.grad.data(), gb = await b.grad.data();
      const scale = Math.max(...ga.map(Math.abs));
      ga.forEach((g, i) =>
        assert.ok(Math.abs(g - gb[i]) <= 10 * RTOL * scale, `${part} grad ${i}: ${g} vs ${gb[i]}`)
      );
      tf.dispose([a.value, a.grad, b.value, b.grad]);
    }
    tf.dispose([x, y]);
  },
);

/** One image, 8 foreground pixels at `fg` and 8 background pixels at `bg`. */
function image(fg: number, bg: number): { x: tf.Tensor; y: tf.Tensor } {
  const y = tf.tensor4d(Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0)), [1, 4, 4, 1]);
  const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => (i < 8 ? fg : bg)), [1, 4, 4, 1]);
  return { x, y };
}

Deno.test(name("nonFiniteParts names the part that is singular alone"), async () => {
  // A background pixel at x = -30: 1 - (1 - p) rounds to 0, the focal
  // factor's gradient is NaN (the Tversky index stays below 1: FN > 0).
  let { x, y } = image(2, -30);
  assert.deepEqual(await nonFiniteParts(parts.none, PART_NAMES.unified, x, y), ["focal"]);
  assert.deepEqual(await nonFiniteParts(parts.exact, PART_NAMES.unified, x, y), []);
  assert.deepEqual(await nonFiniteParts(parts.clipped, PART_NAMES.unified, x, y), []);
  tf.dispose([x, y]);
  // Every pixel right and sure (fg at +30, bg at -17): FN = 0 and FP ~ 3e-7
  // vanish beside TP = 8, TI rounds to 1; the focal factor stays above 0.
  ({ x, y } = image(30, -17));
  assert.deepEqual(await nonFiniteParts(parts.none, PART_NAMES.unified, x, y), ["tversky"]);
  assert.deepEqual(await nonFiniteParts(parts.exact, PART_NAMES.unified, x, y), []);
  tf.dispose([x, y]);
});

/** A record of the variants experiment with the fields the report reads (default or width4 grid). */
function record(runId: string, nanStep: number | null, extra: Partial<RunRecord> = {}): RunRecord {
  const run = [...runGrid(PROFILES.default), ...runGrid(PROFILES.width4)].find((r) =>
    r.runId === runId
  )!;
  return {
    experiment: "variants",
    runId,
    index: run.index,
    profile: "default",
    config: run.config as RunRecord["config"],
    status: nanStep === null ? "completed" : "nan",
    completedEpochs: nanStep === null ? Number(run.config.epochs) : 0,
    nanEpoch: nanStep === null ? null : 1,
    nanStep,
    epochLosses: nanStep === null ? [0.2, 0.1] : [],
    ...extra,
    provenance: {
      startedAt: "2026-12-03T00:00:00.000Z",
      finishedAt: "2026-12-03T00:01:00.000Z",
      wallSeconds: 60,
    } as RunRecord["provenance"],
  };
}

async function sections(records: RunRecord[]) {
  const out = await Deno.makeTempDir({ prefix: "variants-report-" });
  try {
    await Deno.mkdir(`${out}/variants`);
    await Deno.writeTextFile(
      `${out}/variants/runs.jsonl`,
      records.map((r) => JSON.stringify(r) + "\n").join(""),
    );
    return await variantsSections(out);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

Deno.test("variants report: verdicts follow the records", async () => {
  const q = "quality/threshold=8/beta=0.5/hard";
  const calm = [
    record("unified/gamma=0.5/none", null),
    record("unified/gamma=0.5/exact", null),
    record("unified/gamma=0.5/clipped", null),
    record(`${q}/none`, null),
    record(`${q}/exact`, null),
  ];
  // Nothing met a NaN: the conjectures are "not observed" within the fewest
  // steps an original trained (Unified: 2 epochs of 938; Quality: 20 of 938).
  assert.deepEqual((await sections(calm)).map((s) => s.verdict), [
    "not observed within 1876 steps",
    "not observed within 1876 steps",
    "not run",
    "not observed within 18760 steps",
    "agree",
  ]);
  const stormy = [
    record("unified/gamma=0.5/none", 7, { nanTerms: ["focal"] }),
    record("unified/gamma=0.5/exact", null),
    record("unified/gamma=0.5/clipped", null),
    record(`${q}/none`, 3),
    record(`${q}/exact`, null),
  ];
  const found = await sections(stormy);
  assert.deepEqual(found.map((s) => s.verdict), ["agree", "agree", "not run", "agree", "agree"]);
  assert.ok(found[0].measured.some((m) => m.includes("non-finite alone on that batch: focal")));
  assert.equal(stepsTrained(stormy[0]), 7);
  // A clipped or an exact run that meets a NaN contradicts its claim.
  const broken = stormy.map((r) =>
    r.runId.endsWith("clipped") || r.runId === `${q}/exact` ? record(r.runId, 5) : r
  );
  assert.deepEqual((await sections(broken)).map((s) => s.verdict), [
    "agree",
    "disagree",
    "not run",
    "agree",
    "disagree",
  ]);
  // The claims name the exponents the records trained with, not the profile's.
  assert.ok(found[0].claim.includes("(no clipping), γ 0.5, on the MNIST masks"));
  assert.ok(found[3].claim.includes("(mmdetection's), β 0.5, on Figure 4's task"));
  // Clipping a γ whose original met no NaN hides nothing there: partly.
  const partly = [
    ...stormy,
    record("unified/gamma=0.2/none", 9),
  ];
  const mixed = await sections(partly);
  assert.equal(mixed[1].verdict, "partly agree");
  assert.ok(mixed[0].claim.includes("γ 0.2, 0.5, on"));
  const none = await sections([]);
  assert.ok(none[0].claim.includes("γ in (0, 1)") && none[3].claim.includes("β in (0, 1)"));
  assert.deepEqual(none.map((s) => s.verdict), [
    "not run",
    "not run",
    "not run",
    "not run",
    "not run",
  ]);
});

Deno.test("variants report: the Adaptive arms' verdict follows the pow form", async () => {
  // 60 epochs of 938 steps without a NaN in any arm.
  const calm = ["none", "authors", "exact"].map((arm) => record(`adaptive/${arm}`, null));
  const [adaptive] = (await sections(calm)).filter((s) => s.title.endsWith("Adaptive Focal Loss"));
  assert.equal(adaptive.verdict, "not observed within 56280 steps");
  assert.ok(adaptive.measured.includes(
    "the authors' code: no NaN within 56280 steps (its factor, in log space, has a finite " +
      "gradient for every logit)",
  ));
  // How far the calm pow run stayed from saturation, on both sides: its
  // factor rounds to 0 below −17.3 (background) and above 16.6 (foreground).
  const reachOf = async (logitRange: number[]) =>
    (await sections([record("adaptive/none", null, { logitRange } as Partial<RunRecord>)]))
      .find((s) => s.title.endsWith("Adaptive Focal Loss"))!.measured.find((m) =>
        m.startsWith("the most negative logit")
      );
  assert.equal(
    await reachOf([-11.7, 15.9]),
    "the most negative logit an original run reached: -11.7, the most positive: 15.9; the " +
      "factor (1 − p_t)^γ rounds to 0 only below -17.3 on a background pixel or above 16.6 on " +
      "a foreground one, so at this width and cap its NaN was all but out of reach",
  );
  assert.ok((await reachOf([-11.7, 17]))!.endsWith("on a foreground one"));
  const stormy = [
    record("adaptive/none", 7, { nanTerms: ["factor"] }),
    ...calm.slice(1),
  ];
  const found = await sections(stormy);
  const section = found.find((s) => s.title.endsWith("Adaptive Focal Loss"))!;
  assert.equal(section.verdict, "agree");
  assert.ok(section.measured.some((m) => m.includes("non-finite alone on that batch: factor")));
  // The exact arm is in the exact forms' section.
  assert.equal(found.at(-1)!.verdict, "agree");
  assert.ok(found.at(-1)!.measured.some((m) => m.startsWith("adaptive/exact (exact)")));
});

Deno.test(
  name("variants runs write schema-valid records, logit ranges and the figure"),
  async () => {
    const out = await Deno.makeTempDir({ prefix: "variants-" });
    try {
      const smoke = PROFILES.smoke;
      const profile = {
        ...smoke,
        unified: { ...smoke.unified, trainSamples: 64, epochs: 1 },
        quality: { ...smoke.quality, trainSamples: 64, epochs: 1 },
      };
      const records = await runWith(variants, profile, { out, seed: 1 });
      assert.equal(records.length, 10);
      for (const r of records) {
        assert.ok(validate(r), JSON.stringify(validate.errors));
        const range = (r as RunRecord & { logitRange: number[] }).logitRange;
        assert.ok(range.length === 2 && range[0] <= range[1] && range.every(Number.isFinite));
      }
      // A cell's arms start alike: one step apart only by their forms.
      const [none, exact, clipped] = records.filter((r) => r.config.loss === "unified")
        .sort((a, b) => a.index - b.index).map((r) => r.epochLosses[0]);
      for (const other of [exact, clipped]) {
        assert.ok(Math.abs(none - other) < 1e-3 * none, `${none} vs ${other}`);
      }
      // The Adaptive arms too; the authors' weights halve the loss.
      const [pow, authors, exactAfl] = records.filter((r) => r.config.loss === "adaptive")
        .sort((a, b) => a.index - b.index).map((r) => r.epochLosses[0]);
      assert.ok(Math.abs(pow - exactAfl) < 1e-3 * pow, `${pow} vs ${exactAfl}`);
      assert.ok(Math.abs(pow / 2 - authors) < 1e-3 * pow, `${pow} / 2 vs ${authors}`);
      const [path] = await variants.figures(records, `${out}/variants`);
      assert.match(await Deno.readTextFile(path), /^<svg/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
);
