#!/usr/bin/env bash
# On the bare machine: unpacks the Deno binary and the Vulkan/EGL loaders
# that scripts/device/pack.sh packed, prints the machine and the WebGPU
# adapter Deno sees (vendor, architecture, limits, whether shader-f16 is
# offered), then runs `deno task experiment` from the bundle with the packed
# MNIST files, on wasm with a message when no adapter is found.
#
#   bash DIR/run.sh DIR <experiment> [experiment options]
set -euo pipefail
dir="$(cd "${1:?usage: run.sh DIR <experiment> [options]}" && pwd)"
shift
deno=/tmp/focal-deno
[ -x "$deno" ] || { xz -dc "$dir/deno.xz" > "$deno" && chmod +x "$deno"; }
echo "cores: $(nproc); $("$deno" --version | head -1)"
# Deno's WebGPU wants a runtime folder; a bare machine's root shell may have none.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/focal-xdg-XXXXXX)}"
for f in "$dir"/bundle/*.xz "$dir"/bundle/reference/*.xz; do
  if [ -e "$f" ] && [ ! -e "${f%.xz}" ]; then xz -dc "$f" > "${f%.xz}"; fi
done
# Only where the loader is missing (a machine that has one keeps its own).
if compgen -G "$dir/debs/*.deb" >/dev/null && [ "$(id -u)" -eq 0 ] &&
  ! ldconfig -p | grep 'libvulkan\.so\.1' >/dev/null; then
  for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" /; done
  ldconfig
  echo "unpacked $(ls "$dir"/debs/*.deb | wc -l) loader packages"
fi
probe='const a = await navigator.gpu?.requestAdapter();
  if (!a) { console.log("WebGPU adapter: none"); Deno.exit(3); }
  const limits = {};
  for (const k of ["maxBufferSize", "maxStorageBufferBindingSize", "maxComputeWorkgroupSizeX",
    "maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupsPerDimension"]) limits[k] = a.limits[k];
  const { vendor, architecture, device, description } = a.info;
  console.log("WebGPU adapter:", JSON.stringify({ vendor, architecture, device, description,
    isFallbackAdapter: a.info.isFallbackAdapter ?? a.isFallbackAdapter,
    shaderF16: a.features.has("shader-f16"), limits }));'
found=0
"$deno" eval "$probe" || found=$?
nvidia=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ "$found" -ne 0 ] && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia" ]; then
  export VK_DRIVER_FILES="$nvidia"
  echo "no adapter: retrying with VK_DRIVER_FILES=$nvidia"
  found=0
  "$deno" eval "$probe" || found=$?
fi
backend=()
if [ "$found" -ne 0 ]; then
  echo "no WebGPU adapter here: the experiment runs on wasm"
  backend=(--backend wasm)
fi
cd "$dir/bundle"
set -a
. ./provenance.env
set +a
exec "$deno" run -A main.js "$@" "${backend[@]}" --data-dir "$dir/mnist"
