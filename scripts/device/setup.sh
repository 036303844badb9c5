# Sourced by run.sh and gpu.sh on the bare machine: unpacks the Deno binary,
# the bundles and the Vulkan/EGL loaders that pack.sh packed, and probes the
# WebGPU adapter Deno sees (vendor, architecture, limits, whether
# shader-f16 is offered), retrying with NVIDIA's Vulkan manifest when none is
# found. Sets DENO, BACKEND (webgpu; wasm with a message when there is no
# adapter or only a software one) and ADAPTER (the probe's JSON, or "null").
#
#   . DIR/setup.sh DIR
dir="$(cd "${1:?usage: . setup.sh DIR}" && pwd)"
DENO=/tmp/focal-deno
[ -x "$DENO" ] || { xz -dc "$dir/deno.xz" > "$DENO" && chmod +x "$DENO"; }
echo "cores: $(nproc); $("$DENO" --version | head -1)"
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
  if (!a) { console.log("null"); Deno.exit(3); }
  const limits = {};
  for (const k of ["maxBufferSize", "maxStorageBufferBindingSize", "maxComputeWorkgroupSizeX",
    "maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupsPerDimension"]) limits[k] = a.limits[k];
  const { vendor, architecture, device, description } = a.info;
  console.log(JSON.stringify({ vendor, architecture, device, description,
    isFallbackAdapter: a.info.isFallbackAdapter ?? a.isFallbackAdapter,
    shaderF16: a.features.has("shader-f16"), limits }));'
found=0
ADAPTER="$("$DENO" eval "$probe")" || found=$?
nvidia=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ "$found" -ne 0 ] && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia" ]; then
  export VK_DRIVER_FILES="$nvidia"
  echo "no adapter: retrying with VK_DRIVER_FILES=$nvidia"
  found=0
  ADAPTER="$("$DENO" eval "$probe")" || found=$?
fi
echo "WebGPU adapter: $ADAPTER"
BACKEND=webgpu
if [ "$found" -ne 0 ]; then
  echo "no WebGPU adapter here: the experiments and benchmarks run on wasm"
  BACKEND=wasm
  ADAPTER=null
elif [ "${FOCAL_GPU_BACKEND:-}" != webgpu ] && [[ "$ADAPTER" == *'"isFallbackAdapter":true'* ]]; then
  # A software adapter (Mesa's llvmpipe) is correct but slower than wasm.
  echo "the adapter is a software fallback: the experiments and benchmarks run on wasm" \
    "(FOCAL_GPU_BACKEND=webgpu keeps it)"
  BACKEND=wasm
fi
