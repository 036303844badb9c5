// The fused softmax focal kernel on the webgpu backend: WGSL programs with a
// thread per row (one writes the row's loss, one its C gradients). See
// sigmoid_focal_webgpu.ts for how a program is run.
import * as tf from "@tensorflow/tfjs";
import { type ProgramUniform, type WebGPUBackendLike, WGSL_HELPERS } from "./_webgpu_program.ts";
import { type FusedKernelAttrs, SOFTMAX_FOCAL_KERNEL } from "./focal_kernels.ts";

const WORKGROUP = 64;

/**
 * Row helpers shared by both modes. Z and W are the flat [rows, C] inputs,
 * read through f32(): a tensor cast from int32 (one-hot targets) keeps its
 * int32 buffer on webgpu, and tfjs binds it as array<i32>.
 */
const PRELUDE = `${WGSL_HELPERS}
  fn z(i : i32) -> f32 { return f32(Z[i]); }
  fn softplus(x : f32) -> f32 { return max(x, 0.0) + log1pUnit(exp(-abs(x))); }
`;

/** The weight of flat element i: read from W [rows, C]. */
const WEIGHTS = `
  fn w(i : i32) -> f32 { return f32(W[i]); }
`;

/**
 * Or, with int32 class indices W [rows] (no one-hot array): the weight
 * (α) where the row's index is the class, 0 elsewhere and in ignored rows.
 */
const LABELS = `
  fn w(i : i32) -> f32 {
    let label = i32(W[i / uniforms.classes]);
    let hit = label == i % uniforms.classes && label != uniforms.ignoreIndex;
    return select(0.0, uniforms.weight, hit);
  }
`;

/** Exact mode (exactRow in _softmax_focal_math.ts). */
const EXACT = `
  struct Row { top : i32, lse : f32, lseOthers : f32 }
  fn rowStats(b : i32, c : i32) -> Row {
    var top = 0;
    for (var j = 1; j < c; j++) { if (z(b + j) > z(b + top)) { top = j; } }
    var sum = 0.0;
    var otherMax = -3.4e38;
    for (var j = 0; j < c; j++) {
      sum += exp(z(b + j) - z(b + top));
      if (j != top) { otherMax = max(otherMax, z(b + j)); }
    }
    var otherSum = 0.0;
    for (var j = 0; j < c; j++) { if (j != top) { otherSum += exp(z(b + j) - otherMax); } }
    return Row(top, z(b + top) + log(sum), otherMax + log(otherSum));
  }
  // (log p, log(1 − p), ψ, loss term) of class j.
  fn classTerms(b : i32, j : i32, s : Row) -> vec4<f32> {
    var logp : f32;
    var log1mp : f32;
    if (j == s.top) {
      let d = z(b + j) - s.lseOthers;
      logp = -softplus(-d);
      log1mp = -softplus(d);
    } else {
      logp = z(b + j) - s.lse;
      log1mp = log(1.0 - exp(logp));
    }
    let modulating = exp(uniforms.gamma * log1mp);
    let d = logp - log1mp;
    var r : f32;
    if (d > 15.0) { r = 1.0 - 0.5 * exp(-d); } else { r = exp(d) * -logp; }
    let wj = w(b + j);
    return vec4<f32>(logp, log1mp, wj * modulating * (1.0 + uniforms.gamma * r), -wj * modulating * logp);
  }
  fn rowLoss(b : i32, c : i32) -> f32 {
    let s = rowStats(b, c);
    var loss = 0.0;
    for (var j = 0; j < c; j++) { loss += classTerms(b, j, s).w; }
    return loss;
  }
  fn rowGrad(b : i32, c : i32) {
    let s = rowStats(b, c);
    var psiSum = 0.0;
    for (var j = 0; j < c; j++) { psiSum += classTerms(b, j, s).z; }
    for (var j = 0; j < c; j++) {
      let k = classTerms(b, j, s);
      setOutputAtIndex(b + j, exp(k.x) * (psiSum - k.z) - k.z * exp(k.y));
    }
  }
`;

/** Original / Eq. (11) mode (originalRow in _softmax_focal_math.ts). */
const ORIGINAL = `
  struct Row { max : f32, sum : f32, logSum : f32 }
  fn rowStats(b : i32, c : i32) -> Row {
    var m = z(b);
    for (var j = 1; j < c; j++) { m = max(m, z(b + j)); }
    var sum = 0.0;
    for (var j = 0; j < c; j++) { sum += exp(z(b + j) - m); }
    return Row(m, sum, log(sum));
  }
  // (p, log p, base, modulating factor) of class j.
  fn classTerms(b : i32, j : i32, s : Row) -> vec4<f32> {
    let shifted = z(b + j) - s.max;
    let p = exp(shifted) / s.sum;
    let base = (1.0 - p) + uniforms.epsilon;
    return vec4<f32>(p, shifted - s.logSum, base, powBase(base, uniforms.gamma));
  }
  fn rowLoss(b : i32, c : i32) -> f32 {
    let s = rowStats(b, c);
    var loss = 0.0;
    for (var j = 0; j < c; j++) {
      let k = classTerms(b, j, s);
      loss += w(b + j) * k.w * k.y;
    }
    return -loss;
  }
  fn rowGrad(b : i32, c : i32) {
    let s = rowStats(b, c);
    var sumGLogp = 0.0;
    var sumPgP = 0.0;
    var singular = false;
    for (var j = 0; j < c; j++) {
      let k = classTerms(b, j, s);
      sumGLogp += -(w(b + j) * k.w);
      if (uniforms.gamma != 0.0) {
        sumPgP += k.x * (w(b + j) * k.y * (uniforms.gamma * powBase(k.z, uniforms.gamma - 1.0)));
      }
      if (uniforms.gamma > 0.0 && uniforms.gamma < 1.0 && k.z <= uniforms.singularBelow) {
        singular = true;
      }
    }
    for (var j = 0; j < c; j++) {
      let k = classTerms(b, j, s);
      var g = -(w(b + j) * k.w) - k.x * sumGLogp;
      if (uniforms.gamma != 0.0) {
        let gP = w(b + j) * k.y * (uniforms.gamma * powBase(k.z, uniforms.gamma - 1.0));
        g += k.x * (gP - sumPgP);
      }
      if (singular) { g = nan(); }
      setOutputAtIndex(b + j, g);
    }
  }
`;

class SoftmaxFocalProgram {
  variableNames = ["Z", "W"];
  uniforms =
    "gamma : f32, epsilon : f32, singularBelow : f32, rows : i32, classes : i32, weight : f32, ignoreIndex : i32,";
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    shape: number[],
    readonly mode: 0 | 1,
    readonly output: 0 | 1,
    readonly labelled: boolean,
  ) {
    const rows = tf.util.sizeFromShape(shape.slice(0, -1));
    this.outputShape = output === 0 ? [rows] : [rows, shape[shape.length - 1]];
    this.dispatchLayout = { x: [0] };
    this.dispatch = [Math.ceil(rows / WORKGROUP), 1, 1];
    this.shaderKey = `focal_stability_softmax_focal_${mode}_${output}_${labelled ? "labels" : "w"}`;
  }

  getUserCode(): string {
    const body = this.output === 0
      ? "setOutputAtIndex(row, rowLoss(row * uniforms.classes, uniforms.classes));"
      : "rowGrad(row * uniforms.classes, uniforms.classes);";
    return `
      ${PRELUDE}
      ${this.labelled ? LABELS : WEIGHTS}
      ${this.mode === 0 ? EXACT : ORIGINAL}
      fn main(row : i32) {
        if (row < uniforms.rows) { ${body} }
      }
    `;
  }
}

tf.registerKernel({
  kernelName: SOFTMAX_FOCAL_KERNEL,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const gpu = backend as unknown as WebGPUBackendLike;
    const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
    const a = attrs as unknown as FusedKernelAttrs;
    const classes = x.shape[x.shape.length - 1];
    const rows = tf.util.sizeFromShape(x.shape) / classes;
    const uniforms: ProgramUniform[] = [
      { type: "float32", data: [a.gamma] },
      { type: "float32", data: [a.epsilon] },
      { type: "float32", data: [a.singularBelow] },
      { type: "int32", data: [rows] },
      { type: "int32", data: [classes] },
      { type: "float32", data: [a.alpha < 0 ? 1 : a.alpha] },
      { type: "int32", data: [a.ignoreIndex ?? -1] },
    ];
    const labelled = t.dtype === "int32";
    const run = (output: 0 | 1) =>
      gpu.runWebGPUProgram(
        new SoftmaxFocalProgram(x.shape, a.mode, output, labelled),
        [x, t],
        "float32",
        uniforms,
      );
    const loss = run(0);
    // The programs see flat buffers; give the outputs the caller's shapes.
    const lossInfo = { ...loss, shape: x.shape.slice(0, -1) };
    if (!a.withGrad) return [lossInfo];
    return [lossInfo, { ...run(1), shape: x.shape }];
  },
});
