// The Unified Focal Loss kernels on the webgpu backend: a WGSL program with
// one workgroup per image for the sums (a tree reduction in workgroup
// memory), and an elementwise program for the gradient. Transcriptions of
// _unified_focal_math.ts, in float32.
import * as tf from "@tensorflow/tfjs";
import { type ProgramUniform, type WebGPUBackendLike, WGSL_HELPERS } from "./_webgpu_program.ts";
import {
  UNIFIED_FOCAL_GRAD_KERNEL,
  UNIFIED_FOCAL_SUMS_KERNEL,
  type UnifiedKernelAttrs,
} from "./focal_kernels.ts";

/** Threads of a sums workgroup (one image each) and of a gradient workgroup. */
const SUMS_WORKGROUP = 256;
const GRAD_WORKGROUP = 128;

/** p, q, −log p, −log(1 − p), the background factor and its base, per mode. */
const pixel = (exact: boolean) => `
  ${WGSL_HELPERS}
  struct Pixel { p : f32, q : f32, ceFg : f32, ceBg : f32, bg : f32, base : f32 }
  fn pixel(x : f32) -> Pixel {
    ${
  exact
    ? `
    let l = log1pUnit(exp(-abs(x)));
    let spPos = max(x, 0.0) + l;
    let spNeg = max(-x, 0.0) + l;
    return Pixel(exp(-spNeg), exp(-spPos), spNeg, spPos, exp(-uniforms.gamma * spNeg), 0.0);`
    : `
    var p = 0.0;
    if (-x <= 88.72283) { p = 1.0 / (1.0 + exp(-x)); }
    let q = 1.0 - p;
    let mv = max(-x, 0.0);
    let lse = log(exp(-mv) + exp(-x - mv));
    // 1 − (1 − p) rounded as two float32 ops: the shader compiler folds the
    // written form to p (Mesa's did: no NaN where p < 2^−25). 1 − p is exact
    // for p ≥ ½; below, it rounds to a multiple of 2^−24 (ties to even), so
    // 1 − (1 − p) is p rounded to one, and WGSL's round() ties to even.
    let base = select(round(p * 16777216.0) / 16777216.0, p, p >= 0.5) + uniforms.epsilon;
    return Pixel(p, q, mv + lse, (x + mv) + lse, powBase(base, uniforms.gamma), base);`
}
  }
`;

const UNIFORMS = "delta : f32, gamma : f32, epsilon : f32, singularBelow : f32, pixels : i32,";

class SumsProgram {
  variableNames = ["X", "T"];
  uniforms = UNIFORMS;
  size = true;
  workgroupSize: [number, number, number] = [SUMS_WORKGROUP, 1, 1];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(images: number, readonly exact: boolean) {
    this.outputShape = [images, 5];
    this.dispatchLayout = { x: [0, 1] };
    this.dispatch = [images, 1, 1];
    this.shaderKey = `focal_stability_unified_sums_${Number(exact)}`;
  }

  getUserCode(): string {
    return `
      ${pixel(this.exact)}
      var<workgroup> partial : array<array<f32, 5>, ${SUMS_WORKGROUP}>;
      fn main(index : i32) {
        let b = i32(workgroupId.x);
        let first = b * uniforms.pixels;
        var s = array<f32, 5>(0.0, 0.0, 0.0, 0.0, 0.0);
        for (var k = i32(localId.x); k < uniforms.pixels; k = k + ${SUMS_WORKGROUP}) {
          let y = f32(T[first + k]);
          let v = pixel(f32(X[first + k]));
          s[0] = s[0] + y * v.p;
          s[1] = s[1] + y * v.q;
          s[2] = s[2] + (1.0 - y) * v.p;
          s[3] = s[3] + (1.0 - y) * v.q;
          s[4] = s[4] + uniforms.delta * y * v.ceFg +
            (1.0 - uniforms.delta) * (1.0 - y) * v.bg * v.ceBg;
        }
        partial[localId.x] = s;
        workgroupBarrier();
        for (var half = ${SUMS_WORKGROUP / 2}u; half > 0u; half = half / 2u) {
          if (localId.x < half) {
            for (var j = 0; j < 5; j = j + 1) {
              partial[localId.x][j] = partial[localId.x][j] + partial[localId.x + half][j];
            }
          }
          workgroupBarrier();
        }
        if (localId.x < 5u) {
          setOutputAtIndex(b * 5 + i32(localId.x), partial[0][localId.x]);
        }
      }
    `;
  }
}

class GradProgram {
  variableNames = ["X", "T", "C"];
  uniforms = UNIFORMS;
  size = true;
  workgroupSize: [number, number, number] = [GRAD_WORKGROUP, 1, 1];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(shape: number[], readonly exact: boolean) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(shape) / GRAD_WORKGROUP), 1, 1];
    this.shaderKey = `focal_stability_unified_grad_${Number(exact)}`;
  }

  getUserCode(): string {
    const grad = this.exact
      ? `let focal = -uniforms.delta * y * v.q +
          bgTerm * (v.p + uniforms.gamma * v.q * v.ceBg);
        return counts * v.p * v.q + gF * focal;`
      : `if (v.base <= uniforms.singularBelow) { return nan(); }
        let gBase = gF * (1.0 - uniforms.delta) * (1.0 - y) * v.ceBg *
          (uniforms.gamma * powBase(v.base, uniforms.gamma - 1.0));
        let focal = uniforms.delta * y * (v.p - 1.0) + bgTerm * v.p;
        return (counts + gBase) * v.q * v.p + gF * focal;`;
    return `
      ${pixel(this.exact)}
      fn gradient(index : i32) -> f32 {
        let b = index / uniforms.pixels;
        let y = f32(T[index]);
        let v = pixel(f32(X[index]));
        let counts = f32(C[3 * b]) * y + f32(C[3 * b + 1]) * (1.0 - y);
        let gF = f32(C[3 * b + 2]);
        let bgTerm = (1.0 - uniforms.delta) * (1.0 - y) * v.bg;
        ${grad}
      }
      fn main(index : i32) {
        if (index < uniforms.size) { setOutputAtIndex(index, gradient(index)); }
      }
    `;
  }
}

function uniformsOf(a: UnifiedKernelAttrs, pixels: number): ProgramUniform[] {
  return [
    ...[a.delta, a.gamma, a.epsilon, a.singularBelow].map((v) => ({
      type: "float32" as const,
      data: [v],
    })),
    { type: "int32", data: [pixels] },
  ];
}

tf.registerKernel({
  kernelName: UNIFIED_FOCAL_SUMS_KERNEL,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
    const a = attrs as unknown as UnifiedKernelAttrs;
    const images = x.shape[0];
    return (backend as unknown as WebGPUBackendLike).runWebGPUProgram(
      new SumsProgram(images, a.exact),
      [x, t],
      "float32",
      uniformsOf(a, tf.util.sizeFromShape(x.shape) / images),
    );
  },
});

tf.registerKernel({
  kernelName: UNIFIED_FOCAL_GRAD_KERNEL,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, t, c } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo; c: tf.TensorInfo };
    const a = attrs as unknown as UnifiedKernelAttrs;
    return (backend as unknown as WebGPUBackendLike).runWebGPUProgram(
      new GradProgram(x.shape, a.exact),
      [x, t, c],
      "float32",
      uniformsOf(a, tf.util.sizeFromShape(x.shape) / x.shape[0]),
    );
  },
});
