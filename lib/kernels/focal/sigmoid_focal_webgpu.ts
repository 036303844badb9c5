// The fused sigmoid focal kernel on the webgpu backend: WGSL programs run by
// the backend's own `runWebGPUProgram` (one for the loss, one for ∂L/∂x),
// and its reducing form (the loss summed by the backend's Sum kernel).
// Nothing is imported from tfjs-backend-webgpu: the program is a plain object
// of the shape its `WebGPUProgram` interface asks for.
import * as tf from "@tensorflow/tfjs";
import { type ProgramUniform, type WebGPUBackendLike, WGSL_HELPERS } from "./_webgpu_program.ts";
import {
  type FusedKernelAttrs,
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
} from "./focal_kernels.ts";

const WORKGROUP = 128;

/** FLT_MIN as a WGSL literal: the floor of |t − p| in the exact gradient. */
const FLT_MIN_WGSL = "1.1754943508222875e-38";

/** α_t from the uniforms; the shared helpers come from _webgpu_program.ts. */
const PRELUDE = `${WGSL_HELPERS}
  fn alphaT(t : f32) -> f32 {
    if (uniforms.alpha < 0.0) { return 1.0; }
    return uniforms.alpha * t + uniforms.alphaC * (1.0 - t);
  }
`;

/**
 * Exact mode: see exactElement in _sigmoid_focal_math.ts. With `quality`, a
 * soft target takes the base |t − p| (exactQualitySoft there).
 */
const exact = (quality: boolean) => `
  fn focal(x : f32, t : f32) -> vec2<f32> {
    let e = exp(-abs(x));
    let l = log1pUnit(e);
    let spPos = max(x, 0.0) + l;
    let spNeg = max(-x, 0.0) + l;
    let ce = t * spNeg + (1.0 - t) * spPos;
    ${quality ? "if (t != 0.0 && t != 1.0) { return qualitySoft(spPos, spNeg, ce, t); }" : ""}
    var logQ : f32;
    if (t == 1.0) {
      logQ = -spPos;
    } else if (t == 0.0) {
      logQ = -spNeg;
    } else {
      let a = log(t) - spPos;
      let b = log(1.0 - t) - spNeg;
      logQ = max(a, b) + log1pUnit(exp(-abs(a - b)));
    }
    let m = exp(uniforms.gamma * logQ);
    let s = 1.0 / (1.0 + e);
    let p = select(e * s, s, x >= 0.0);
    let q = select(s, e * s, x >= 0.0);
    let ratio = exp(-spPos - spNeg - logQ);
    let w = alphaT(t);
    let grad = w * m * ((1.0 - t) * p - t * q + uniforms.gamma * (1.0 - 2.0 * t) * ce * ratio);
    return vec2<f32>(w * ce * m, grad);
  }
`;

/** The Quality Focal Loss's soft targets in exact mode (exactQualitySoft). */
const QUALITY_SOFT = `
  fn qualitySoft(spPos : f32, spNeg : f32, ce : f32, t : f32) -> vec2<f32> {
    // As the composed form takes them: where spPos = spNeg, p = q exactly
    // (1/(1 + e) and e/(1 + e) differ there with a 1-ulp exp(−|x|) ≠ 1).
    let p = exp(-spNeg);
    let q = exp(-spPos);
    let diff = t * q - (1.0 - t) * p;
    let logU = log(max(abs(diff), ${FLT_MIN_WGSL}));
    let m = exp(uniforms.gamma * logU);
    let ratio = exp(-spPos - spNeg - logU);
    let w = alphaT(t);
    var loss = w * ce * m;
    if (diff == 0.0) { loss = select(0.0, w * ce, uniforms.gamma == 0.0); }
    let grad = w * m * ((1.0 - t) * p - t * q - uniforms.gamma * sign(diff) * ce * ratio);
    return vec2<f32>(loss, grad);
  }
`;

/** Original / Eq. (11) mode: see originalElement in _sigmoid_focal_math.ts. */
const original = (quality: boolean) => `
  fn focal(x : f32, t : f32) -> vec2<f32> {
    // exp(−x) overflows past ln FLT_MAX = 88.7228…, where p is 0; below it p
    // may be subnormal, as the composed form's (|t − p| keeps it).
    var p = 0.0;
    if (-x <= 88.72283) { p = 1.0 / (1.0 + exp(-x)); }
    let mv = max(-x, 0.0);
    let ce = (1.0 - t) * x + mv + log(exp(-mv) + exp(-x - mv));
    let pt = p * t + (1.0 - p) * (1.0 - t);
    let u = ${quality ? "abs(t - p)" : "(1.0 - pt)"} + uniforms.epsilon;
    let m = powBase(u, uniforms.gamma);
    let w = alphaT(t);
    let loss = w * (ce * m);
    let fromCe = w * m * (p - t);
    if (uniforms.gamma == 0.0) { return vec2<f32>(loss, fromCe); }
    if (u <= uniforms.singularBelow) { return vec2<f32>(loss, nan()); }
    let gU = w * ce * (uniforms.gamma * powBase(u, uniforms.gamma - 1.0));
    let gP = ${quality ? "-(gU * sign(t - p))" : "-(gU * t - gU * (1.0 - t))"};
    return vec2<f32>(loss, fromCe + gP * (1.0 - p) * p);
  }
`;

class FocalProgram {
  variableNames = ["X", "T"];
  uniforms =
    "alpha : f32, alphaC : f32, gamma : f32, epsilon : f32, singularBelow : f32, scale : f32,";
  size = true;
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    shape: number[],
    readonly mode: 0 | 1,
    readonly quality: boolean,
    readonly output: 0 | 1,
  ) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    const n = tf.util.sizeFromShape(shape);
    this.dispatch = [Math.ceil(n / WORKGROUP), 1, 1];
    this.shaderKey = `focal_stability_sigmoid_focal_${mode}_${Number(quality)}_${output}`;
  }

  getUserCode(): string {
    const q = this.quality;
    return `
      ${PRELUDE}
      ${this.mode === 0 ? exact(q) + (q ? QUALITY_SOFT : "") : original(q)}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let r = focal(getXByOutputIndex(index), getTByOutputIndex(index));
          setOutputAtIndex(index, uniforms.scale * r[${this.output}]);
        }
      }
    `;
  }
}

/** Runs one program: the loss (0) or ∂L/∂x (1), times `scale`. */
function runProgram(
  { inputs, backend, attrs }: Parameters<tf.KernelFunc>[0],
  output: 0 | 1,
  scale: number,
): tf.TensorInfo {
  const gpu = backend as unknown as WebGPUBackendLike;
  const { x, t } = inputs as { x: tf.TensorInfo; t: tf.TensorInfo };
  const a = attrs as unknown as FusedKernelAttrs;
  const uniforms: ProgramUniform[] = [
    a.alpha,
    1 - a.alpha,
    a.gamma,
    a.epsilon,
    a.singularBelow,
    scale,
  ].map((v) => ({ type: "float32", data: [v] }));
  return gpu.runWebGPUProgram(
    new FocalProgram(x.shape, a.mode, a.base === 1, output),
    [x, t],
    "float32",
    uniforms,
  );
}

tf.registerKernel({
  kernelName: SIGMOID_FOCAL_KERNEL,
  backendName: "webgpu",
  kernelFunc: (args) => {
    const withGrad = (args.attrs as unknown as FusedKernelAttrs).withGrad;
    return withGrad ? [runProgram(args, 0, 1), runProgram(args, 1, 1)] : [runProgram(args, 0, 1)];
  },
});

// The reducing kernel: scale·loss per element, summed by the backend's own Sum
// kernel, and scale·∂L/∂x. Its gradient is then one multiply by dy; through
// tf.mean instead, tfjs builds the gradient from ones(x.shape), made on the
// CPU and uploaded (4 MB at 2^20, ~4 ms of a 16 ms step here).
tf.registerKernel({
  kernelName: SIGMOID_FOCAL_REDUCED_KERNEL,
  backendName: "webgpu",
  kernelFunc: (args) => {
    const a = args.attrs as unknown as FusedKernelAttrs;
    const scale = a.scale ?? 1;
    const perElement = runProgram(args, 0, scale);
    const sum = tf.getKernel("Sum", "webgpu")!.kernelFunc({
      inputs: { x: perElement },
      backend: args.backend,
      attrs: { axis: perElement.shape.map((_, i) => i), keepDims: false },
    }) as tf.TensorInfo;
    (args.backend as unknown as { disposeData(id: unknown): void }).disposeData(
      perElement.dataId,
    );
    return a.withGrad ? [sum, runProgram(args, 1, scale)] : [sum];
  },
});
