// The SIMD gradient kernels of lib/kernels/assembly/conv_pool_grad.ts, one
// instance per wasm backend memory, shared by max_pool_grad_wasm.ts and
// conv2d_backprop_input_wasm.ts.
import { CONV_POOL_GRAD_WASM_BASE64 } from "../generated/conv_pool_grad_wasm.ts";
import { kernelModule } from "../runtime/wasm_kernel.ts";

/** The module's exports; addresses are byte offsets in the backend's memory. */
interface ConvPoolGradExports {
  maxPoolGrad2x2(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
  ): void;
  col2imStride1(
    cols: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    ci: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    top: number,
    left: number,
  ): void;
}

/** The module for a backend's memory, compiled and instantiated on first use. */
export const convPoolGradKernel = kernelModule<ConvPoolGradExports>(CONV_POOL_GRAD_WASM_BASE64);
