// Builds the wasm fused kernels from their AssemblyScript sources and embeds
// the bytes in TypeScript modules (so the published package needs no file or
// network access to load them).
//
//   deno task build kernels           rebuild lib/kernels/generated/*_wasm.ts
//   deno task build kernels --check   fail if a committed module is stale
//
// The compiler comes from npm (assemblyscript, pinned below).
import { parseArgs } from "node:util";
import { encodeBase64 } from "./_base64.ts";

const ASC = "npm:assemblyscript@0.27.31/asc";

/**
 * Each kernel: its source, the generated module and the constant it exports.
 * `shared`: built for a shared memory (the helper threads of
 * lib/kernels/threads/kernel_threads.ts) instead of the tfjs backend's.
 */
const KERNELS: {
  source: string;
  target: string;
  name: string;
  what: string;
  shared?: boolean;
  /** Integer constants the source reads (asc's `--use NAME=value`). */
  constants?: Record<string, number>;
}[] = [
  {
    source: "lib/kernels/assembly/sigmoid_focal.ts",
    target: "lib/kernels/generated/sigmoid_focal_wasm.ts",
    name: "SIGMOID_FOCAL_WASM_BASE64",
    what: "The fused sigmoid focal kernel module, base64.",
  },
  {
    source: "lib/kernels/assembly/sigmoid_focal.ts",
    target: "lib/kernels/generated/sigmoid_focal_shared_wasm.ts",
    name: "SIGMOID_FOCAL_SHARED_WASM_BASE64",
    what: "The fused sigmoid focal kernel for a shared memory (kernel threads), base64.",
    shared: true,
  },
  {
    source: "lib/kernels/assembly/softmax_focal.ts",
    target: "lib/kernels/generated/softmax_focal_wasm.ts",
    name: "SOFTMAX_FOCAL_WASM_BASE64",
    what: "The fused softmax focal kernel module, base64.",
  },
  {
    source: "lib/kernels/assembly/softmax_focal.ts",
    target: "lib/kernels/generated/softmax_focal_shared_wasm.ts",
    name: "SOFTMAX_FOCAL_SHARED_WASM_BASE64",
    what: "The fused softmax focal kernel for a shared memory (kernel threads), base64.",
    shared: true,
  },
  {
    source: "lib/kernels/assembly/unified_focal.ts",
    target: "lib/kernels/generated/unified_focal_wasm.ts",
    name: "UNIFIED_FOCAL_WASM_BASE64",
    what: "The Unified Focal Loss's two passes, base64.",
  },
  {
    source: "lib/kernels/assembly/unified_focal.ts",
    target: "lib/kernels/generated/unified_focal_shared_wasm.ts",
    name: "UNIFIED_FOCAL_SHARED_WASM_BASE64",
    what: "The Unified Focal Loss's two passes for a shared memory (kernel threads), base64.",
    shared: true,
  },
  {
    source: "lib/kernels/assembly/conv_pool_grad.ts",
    target: "lib/kernels/generated/conv_pool_grad_wasm.ts",
    name: "CONV_POOL_GRAD_WASM_BASE64",
    what: "The max-pool and convolution gradient module, base64.",
  },
  {
    source: "lib/kernels/assembly/binary_cnn.ts",
    target: "lib/kernels/generated/binary_cnn_wasm.ts",
    name: "BINARY_CNN_WASM_BASE64",
    what: "The fused forward and backward passes of the MNIST CNN, base64.",
    constants: { INPUT_SIDE: 28, INPUT_CHANNELS: 1 },
  },
  {
    source: "lib/kernels/assembly/binary_cnn.ts",
    target: "lib/kernels/generated/binary_cnn_32x32x3_wasm.ts",
    name: "BINARY_CNN_32X32X3_WASM_BASE64",
    what: "The fused forward and backward passes of the CIFAR-10 CNN (32×32×3), base64.",
    constants: { INPUT_SIDE: 32, INPUT_CHANNELS: 3 },
  },
  {
    source: "lib/kernels/assembly/adam.ts",
    target: "lib/kernels/generated/adam_wasm.ts",
    name: "ADAM_WASM_BASE64",
    what: "The one-pass Adam update, base64.",
  },
  {
    source: "lib/kernels/assembly/batch_norm.ts",
    target: "lib/kernels/generated/batch_norm_wasm.ts",
    name: "BATCH_NORM_WASM_BASE64",
    what: "BatchNorm in training mode (and its ReLU), forward and backward, base64.",
  },
  {
    source: "lib/kernels/assembly/conv3x3.ts",
    target: "lib/kernels/generated/conv3x3_wasm.ts",
    name: "CONV3X3_WASM_BASE64",
    what:
      "The U-Net's 3×3 same convolutions for few channels, forward and filter gradient, base64.",
  },
  {
    source: "lib/kernels/assembly/conv3x3.ts",
    target: "lib/kernels/generated/conv3x3_shared_wasm.ts",
    name: "CONV3X3_SHARED_WASM_BASE64",
    what: "The U-Net's 3×3 same convolutions for a shared memory (kernel threads), base64.",
    shared: true,
  },
  {
    source: "lib/kernels/assembly/momentum.ts",
    target: "lib/kernels/generated/momentum_wasm.ts",
    name: "MOMENTUM_WASM_BASE64",
    what: "The one-pass SGD-with-momentum update, base64.",
  },
];

/** The shared build's memory limit in 64 KiB pages (1 GiB; kernel_threads.ts creates it). */
const SHARED_MAXIMUM_PAGES = 16384;

/** Compiles one source; refuses modules that would write into tfjs's heap. */
async function compile(
  source: string,
  shared: boolean,
  constants: Record<string, number>,
): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "focal-asc-" });
  const wasmFile = `${dir}/kernel.wasm`;
  const watFile = `${dir}/kernel.wat`;
  const build = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      ASC,
      source,
      "--enable",
      "simd",
      "--enable",
      "relaxed-simd",
      // The module works in the tfjs wasm backend's memory, and owns nothing.
      "--importMemory",
      "--noExportMemory",
      ...(shared
        ? [
          "--enable",
          "threads",
          "--sharedMemory",
          "--initialMemory",
          "1",
          "--maximumMemory",
          `${SHARED_MAXIMUM_PAGES}`,
        ]
        : []),
      ...Object.entries(constants).flatMap(([name, value]) => ["--use", `${name}=${value}`]),
      "--runtime",
      "stub",
      "--use",
      "abort=",
      "-O3",
      "--outFile",
      wasmFile,
      "--textFile",
      watFile,
    ],
  }).output();
  if (!build.success) {
    throw new Error(`${source} did not compile:\n${new TextDecoder().decode(build.stderr)}`);
  }
  const wat = await Deno.readTextFile(watFile);
  // Data segments, or globals other than our v128 constants (a heap or stack
  // pointer), would mean the module writes into tfjs's heap.
  const foreignGlobal = wat.split("\n").some((line) =>
    /^\s*\(global\b/.test(line) && !/\(mut v128\)/.test(line)
  );
  if (/\(data\b/.test(wat) || foreignGlobal) {
    throw new Error(
      `${source} compiled to data segments or non-v128 globals: they would overwrite tfjs's heap`,
    );
  }
  if (!/\(export "initConstants"/.test(wat)) {
    throw new Error(
      `${source} must export initConstants (see lib/kernels/assembly/vector_math.ts)`,
    );
  }
  const bytes = await Deno.readFile(wasmFile);
  await Deno.remove(dir, { recursive: true });
  return bytes;
}

/**
 * Builds every kernel module, or with `--check` fails when a committed one
 * differs from what its source compiles to.
 */
export async function buildKernels(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { check: { type: "boolean" } } });
  let stale = false;
  for (const kernel of KERNELS) {
    const bytes = await compile(kernel.source, kernel.shared ?? false, kernel.constants ?? {});
    const given = Object.entries(kernel.constants ?? {}).map(([n, v]) => ` ${n}=${v}`).join(",");
    const module = `// Generated by scripts/build_wasm_kernels.ts from ${kernel.source}${
      given ? ` (${given.trim()})` : ""
    }; do not edit.
// ${bytes.length} bytes of WebAssembly (SIMD), AssemblyScript 0.27.31.

/** ${kernel.what} */
export const ${kernel.name} =
  "${encodeBase64(bytes)}";
`;
    if (values.check) {
      const committed = await Deno.readTextFile(kernel.target).catch(() => "");
      if (committed === module) console.log(`${kernel.target} matches ${kernel.source}`);
      else {
        console.error(`${kernel.target} is stale: run 'deno task build kernels'`);
        stale = true;
      }
    } else {
      await Deno.writeTextFile(kernel.target, module);
      console.log(`wrote ${kernel.target} (${bytes.length} bytes of wasm)`);
    }
  }
  if (stale) Deno.exit(1);
}
