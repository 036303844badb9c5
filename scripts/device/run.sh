#!/usr/bin/env bash
# On the bare machine: unpacks what scripts/device/pack.sh packed and probes
# the WebGPU adapter (setup.sh), then runs `deno task experiment` from the
# bundle with the packed MNIST files, on wasm with a message when no adapter
# is found.
#
#   bash DIR/run.sh DIR <experiment> [experiment options]
set -euo pipefail
dir="$(cd "${1:?usage: run.sh DIR <experiment> [options]}" && pwd)"
shift
. "$dir/setup.sh" "$dir"
backend=()
[ "$BACKEND" = webgpu ] || backend=(--backend wasm)
cd "$dir/bundle"
set -a
. ./provenance.env
set +a
exec "$DENO" run -A main.js "$@" "${backend[@]}" --data-dir "$dir/mnist"
