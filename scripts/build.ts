// deno task build kernels [--check]   the wasm kernels from their AssemblyScript sources
//                                     (--check: fail if a committed module is stale)
// deno task build fixtures            the golden values from PyTorch (tests/fixtures/), with
//                                     the first python3 on PATH that has torch and torchvision
//                                     (or FOCAL_PYTHON)
import { buildKernels } from "./build_wasm_kernels.ts";
import { torchPython } from "../lib/cli/torch_python.ts";

const FIXTURE_GENERATORS = [
  "tests/fixtures/make_torch_fixtures.py",
  "tests/fixtures/make_adaptive_fixtures.py",
  "tests/fixtures/make_precision_fixtures.py",
];

const [what, ...rest] = Deno.args;
if (what === "kernels") {
  await buildKernels(rest);
} else if (what === "fixtures") {
  const python = await torchPython();
  if (python === null) {
    console.error(
      "no python3 with torch and torchvision on PATH or in FOCAL_PYTHON " +
        "(apt-get install python3-torchvision)",
    );
    Deno.exit(1);
  }
  for (const script of FIXTURE_GENERATORS) {
    console.log(`${python} ${script}`);
    const { success } = await new Deno.Command(python, { args: [script] }).spawn().status;
    if (!success) Deno.exit(1);
  }
} else {
  console.error("deno task build kernels [--check] | deno task build fixtures");
  Deno.exit(2);
}
