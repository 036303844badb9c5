#!/usr/bin/env bash
# On the bare machine: unpacks the Deno binary that scripts/device/pack.sh
# packed, prints the machine and the WebGPU adapter Deno sees, then runs
# `deno task experiment` from the bundle with the packed MNIST files.
#
#   bash DIR/run.sh DIR <experiment> [experiment options]
set -euo pipefail
dir="$(cd "${1:?usage: run.sh DIR <experiment> [options]}" && pwd)"
shift
deno=/tmp/focal-deno
[ -x "$deno" ] || { xz -dc "$dir/deno.xz" > "$deno" && chmod +x "$deno"; }
echo "cores: $(nproc); $("$deno" --version | head -1)"
"$deno" eval 'const a = await navigator.gpu?.requestAdapter();
  console.log("WebGPU adapter:", a ? JSON.stringify(a.info) : "none")' || echo "WebGPU: the probe failed"
cd "$dir/bundle"
set -a
. ./provenance.env
set +a
exec "$deno" run -A main.js "$@" --data-dir "$dir/mnist"
