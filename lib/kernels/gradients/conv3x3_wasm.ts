// The U-Net's 3×3 "same" convolutions with few channels on our SIMD kernels
// (lib/kernels/assembly/conv3x3.ts, relaxed FMA): Conv2D, and the
// Conv2DBackpropInput and Conv2DBackpropFilter that this folder's other
// kernels register, each for stride 1, padding 1 on every side, dilation 1,
// NHWC, at most CONV3X3_MAX_CHANNELS channels in and out. tfjs-wasm's
// XNNPACK is built without FMA and runs small products slowly. Any other
// call goes to the kernel registered before. The input gradient is the
// forward pass of dy with the filter rotated by 180° and its channels
// swapped, W'[a, b, o, i] = W[2 − a, 2 − b, i, o]. Where kernel threads were
// started (`@focal/stability/threads`), a large call is split across them:
// the forward pass by images, the filter gradient by rows of the filter,
// bit for bit what one thread computes.
import * as tf from "@tensorflow/tfjs";
import "./conv2d_backprop_filter_wasm.ts";
import "./conv2d_backprop_input_wasm.ts";
import { CONV3X3_WASM_BASE64 } from "../generated/conv3x3_wasm.ts";
import { runMaybeSplit, splitThreadCount } from "../threads/kernel_split.ts";
import { replaceWasmKernel, runWasmKernel, withTemporaries } from "../runtime/wasm_compose.ts";
import {
  backendMemory,
  kernelModule,
  moduleCompiles,
  offsetOf,
  type WasmBackend,
} from "../runtime/wasm_kernel.ts";

/**
 * Channels in and out up to which these kernels take a 3×3 convolution, by
 * default. Measured with `deno task bench:models --conv3x3 16,0,32,64` (and
 * 32,0,64,16) on an idle machine, 4 rounds per limit at f543752
 * (results/bench-full/models_conv3x3_*.json): the U-Net step over XNNPACK's
 * (limit 0) in the same round, up to 16 / 32 / 64 channels: width 4
 * 0.79–0.88 / 0.77–0.85 / 0.77–0.88, width 8 0.84–0.87 / 0.80–0.86 /
 * 0.86–1.00, width 16 0.76–1.17 / 0.87–1.05 / 0.71–0.89.
 */
export const CONV3X3_MAX_CHANNELS = 32;

/**
 * The same limit while kernel threads run: they split our kernels, not
 * XNNPACK's. Measured with `deno task bench:models --threads 2,1 --conv3x3
 * 32,128` on an idle machine, two invocations of two alternating rounds
 * (docs/kernels.md, "The U-Net's small convolutions"): with two threads the
 * step at limit 128 took 0.81–0.91× of its time at limit 32 in the same
 * round at width 8, 0.69–0.82× at width 16, and 0.97–1.03× at width 4
 * (whose layers have at most 32 channels).
 */
export const CONV3X3_MAX_CHANNELS_THREADED = 128;

/** The limit a bench set, or null: by the thread count. */
let maxChannels: number | null = null;

/** The limit in force now. */
function channelLimit(): number {
  return maxChannels ??
    (splitThreadCount() > 1 ? CONV3X3_MAX_CHANNELS_THREADED : CONV3X3_MAX_CHANNELS);
}

interface Conv3x3Exports {
  /** (x, w, y, pad, n, h, w, ci, co): images 0 to n of x and y. */
  conv3x3Forward(...pointersThenSizes: number[]): void;
  /** (x, dy, dw, pad, n, h, w, ci, co, first, rows): rows of dw [9·ci, co]. */
  conv3x3FilterGrad(...pointersThenSizes: number[]): void;
}

const kernelFor = kernelModule<Conv3x3Exports>(CONV3X3_WASM_BASE64);

let enabled = true;
let calls = 0;

/** Turns these kernels off (or on again), so that tests compare them with XNNPACK's path. */
export function setConv3x3KernelEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Sets the channels in and out up to which these kernels take a 3×3
 * convolution (0: none; null: CONV3X3_MAX_CHANNELS, or
 * CONV3X3_MAX_CHANNELS_THREADED while kernel threads run), for
 * `bench:models --conv3x3` to compare limits.
 */
export function setConv3x3MaxChannels(channels: number | null): void {
  maxChannels = channels;
}

/** How many convolutions these kernels have computed in this process (for tests). */
export function conv3x3Calls(): number {
  return calls;
}

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;

/** The attributes the three kernels share (Conv2D's also has dilations). */
interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: string;
}

/** Whether a convolution of x [n, h, w, ci] by [kh, kw, ci, co] is one these kernels take. */
function takes(
  xShape: number[],
  filterShape: number[],
  strides: [number, number] | number,
  pad: Pad,
  dilations: [number, number] | number,
  dataFormat: string,
  multipleOf4: number,
): boolean {
  if (!enabled || dataFormat !== "NHWC") return false;
  const [kh, kw, ci, co] = filterShape;
  if (kh !== 3 || kw !== 3 || Math.max(ci, co) > channelLimit() || multipleOf4 % 4 !== 0) {
    return false;
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    undefined,
    false,
    "channelsLast",
  );
  const { top, bottom, left, right } = info.padInfo;
  return info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 &&
    info.dilationWidth === 1 && top === 1 && bottom === 1 && left === 1 && right === 1;
}

/**
 * Runs one of the module's functions over x [n, h, w, ci] and a second
 * operand (the filter, or dy), into a new output of `outShape`, with a
 * scratch of one padded image ((h + 2)·(w + 2)·ci floats) for the call;
 * split across the kernel threads where they run and the call is large.
 */
function runConv3x3(
  backend: unknown,
  fn: keyof Conv3x3Exports,
  x: tf.TensorInfo,
  other: tf.TensorInfo,
  outShape: number[],
  co: number,
): tf.TensorInfo {
  const [n, h, w, ci] = x.shape;
  calls++;
  return withTemporaries(backend, (keep) => {
    const padFloats = (h + 2) * (w + 2) * ci;
    const pad = keep((backend as WasmBackend).makeOutput([padFloats], "float32"));
    // The output last: an allocation may grow (and move) the memory.
    const out = (backend as WasmBackend).makeOutput(outShape, "float32");
    const memory = backendMemory(backend);
    const [xAt, otherAt, outAt, padAt] = [x, other, out, pad].map((t) => offsetOf(backend, t));
    const kernel = kernelFor(memory)[fn];
    const pixels = h * w;
    const common = { loss: "conv3x3" as const, memory, kernel: fn, scratch: padFloats };
    const size = n * pixels * 9 * ci * co;
    if (fn === "conv3x3Forward") {
      // By images: x and y per image, the filter whole.
      runMaybeSplit({
        ...common,
        units: n,
        align: 1,
        size,
        inputs: [{ ptr: xAt, width: pixels * ci }, {
          ptr: otherAt,
          width: 9 * ci * co,
          whole: true,
        }],
        outputs: [{ ptr: outAt, width: pixels * co }],
        args: (count) => [count, h, w, ci, co],
        local: (count) => (kernel(xAt, otherAt, outAt, padAt, count, h, w, ci, co), 0),
      });
    } else {
      // By rows of dw [9·ci, co] (four at a time where ci allows), x and dy whole.
      runMaybeSplit({
        ...common,
        units: 9 * ci,
        align: ci % 4 === 0 ? 4 : 1,
        size,
        inputs: [
          { ptr: xAt, width: n * pixels * ci, whole: true },
          { ptr: otherAt, width: n * pixels * co, whole: true },
        ],
        outputs: [{ ptr: outAt, width: co }],
        args: (count, start) => [n, h, w, ci, co, start, count],
        local: (count) => (kernel(xAt, otherAt, outAt, padAt, n, h, w, ci, co, 0, count), 0),
      });
    }
    return out;
  });
}

/** y = x ⋆ filter on the kernel; `filter` [3, 3, ci, co]. */
function forward(backend: unknown, x: tf.TensorInfo, filter: tf.TensorInfo): tf.TensorInfo {
  const co = filter.shape[3];
  return runConv3x3(backend, "conv3x3Forward", x, filter, [...x.shape.slice(0, 3), co], co);
}

if (moduleCompiles(CONV3X3_WASM_BASE64)) {
  replaceWasmKernel("Conv2D", (args, shipped) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { dilations: [number, number] | number };
    if (
      !takes(x.shape, filter.shape, a.strides, a.pad, a.dilations, a.dataFormat, filter.shape[3])
    ) {
      return shipped(args);
    }
    return forward(args.backend, x, filter);
  });

  replaceWasmKernel("Conv2DBackpropInput", (args, shipped) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    // The transposed pass writes ci channels: a multiple of 4.
    if (!takes(a.inputShape, filter.shape, a.strides, a.pad, 1, a.dataFormat, filter.shape[2])) {
      return shipped(args);
    }
    const backend = args.backend;
    return withTemporaries(backend, (keep) => {
      const swapped = keep(runWasmKernel("Transpose", { x: filter }, backend, {
        perm: [0, 1, 3, 2],
      }));
      const rotated = keep(runWasmKernel("Reverse", { x: swapped }, backend, { dims: [0, 1] }));
      return forward(backend, dy, rotated);
    });
  });

  replaceWasmKernel("Conv2DBackpropFilter", (args, shipped) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    if (!takes(x.shape, a.filterShape, a.strides, a.pad, 1, a.dataFormat, a.filterShape[3])) {
      return shipped(args);
    }
    const [, , ci, co] = a.filterShape;
    return runConv3x3(args.backend, "conv3x3FilterGrad", x, dy, [3, 3, ci, co], co);
  });
}
