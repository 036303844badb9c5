// What the WGSL kernels share: the slice of tfjs-backend-webgpu's interface
// they call, and WGSL helpers (NaN by bit pattern, a log1p accurate on
// [0, 1] from scripts/fit_log1p.py, pow with 0^0 = 1).
import type * as tf from "@tensorflow/tfjs";

/** A uniform value passed to a program. */
export interface ProgramUniform {
  type: "float32" | "int32";
  data: number[];
}

/** A program as tfjs-backend-webgpu's `WebGPUProgram` interface describes it. */
export interface WebGPUProgramLike {
  variableNames: string[];
  uniforms: string;
  workgroupSize: [number, number, number];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;
  getUserCode(): string;
}

/** The backend method that runs a program. */
export interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WebGPUProgramLike,
    inputs: tf.TensorInfo[],
    outputDtype: "float32",
    uniforms: ProgramUniform[],
  ): tf.TensorInfo;
}

/**
 * WGSL helpers shared by the focal kernels. NaN comes from the `NAN` uniform
 * tfjs-backend-webgpu gives every program: a constant such as
 * `bitcast<f32>(0x7fc00000u)` is a const-expression, and Chromium's WGSL
 * compiler (Tint) rejects a const-expression that evaluates to NaN ("value
 * nan cannot be represented as 'f32'"), so the shader never compiled there
 * and every output read 0 (wgpu's compiler, under Deno, accepts it).
 */
export const WGSL_HELPERS = `
  fn nan() -> f32 { return uniforms.NAN; }
  // log(1 + u) for u in [0, 1]: u·P(u), the fit of scripts/fit_log1p.py.
  fn log1pUnit(u : f32) -> f32 {
    var y = 0.005232710391283035 * u - 0.029505306854844093;
    y = y * u + 0.07822606712579727;
    y = y * u - 0.13663256168365479;
    y = y * u + 0.1910601109266281;
    y = y * u - 0.24842983484268188;
    y = y * u + 0.3331909775733948;
    y = y * u - 0.4999949336051941;
    y = y * u + 0.9999999403953552;
    return y * u;
  }
  // base^e for base >= 0, with 0^0 = 1 and 0^e = 0 for e > 0.
  fn powBase(base : f32, e : f32) -> f32 {
    if (e == 0.0) { return 1.0; }
    if (base <= 0.0) { return 0.0; }
    return exp(e * log(base));
  }
`;
