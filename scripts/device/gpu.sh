#!/usr/bin/env bash
# The prepared GPU work (issue "The paper at GPU scale"), one command on the
# borrowed machine, run from the working tree's root, which travels:
#
#   bash .device/gpu.sh .device            (after bash scripts/device/pack.sh)
#   bash .device/gpu.sh .device --quick    (the CPU dry run: small sizes, wasm)
#
# Writes as it goes to $OUT (the device tool's folder; ./gpu-out here), at
# most 8 files: gpu.jsonl (one line per step: its name, seconds, exit status
# and the JSON its command printed last), gpu.log (everything printed),
# versus.json, and tail.tar.gz (the tail's records and figures). The core,
# each step under its own timeout (about 5 minutes on the GPU):
#   1. the adapter probe (setup.sh);
#   2. the webgpu test files, bundled;
#   3. each loss's fused kernel at 2^20–2^25 elements against its PyTorch
#      peer on CUDA (bench:versus, 20 steps queued between two reads);
#   4. the stacked CNN at K = 1, 16, 81, 216, 648 runs per program
#      (bench:stacked), and PyTorch's CUDA step of the same CNN;
#   5. the U-Net step at width 64 and the ViT-B/16 step at 224², against
#      PyTorch's CUDA steps (bench:models); Figure 5's CNN on 32×32×3 at
#      batch 128 with its seeds stacked, K = 1, 3, 6 (bench:stacked
#      --cifar10), and PyTorch's CUDA step of that CNN;
#   6. `--plan --profile paper` of the three experiments, timed there, and
#      from it and step 4 the whole Figure 4 and Figure 6's NaN, extrapolated;
# then the tail, in the seconds left of FOCAL_GPU_BUDGET (default 570, under
# the device's 600 s a command): Figure 4's medium- and high-noise rows of
# the unstable cells on the stacked trainer, then Figure 6's no-noise pair at
# width 64, each for the epochs that the rates of steps 4 and 5 say fit. The
# whole Figure 4 and Figure 6's NaN follow from those rates, extrapolated.
# Without an adapter every step runs on wasm (and the peers on CPU without
# CUDA): numbers of that machine's CPUs.
set -uo pipefail
dir="$(cd "${1:?usage: gpu.sh DIR [--quick]}" && pwd)"
quick=false
[ "${2:-}" = "--quick" ] && quick=true
start=$(date +%s)
budget="${FOCAL_GPU_BUDGET:-570}"
out="${OUT:-$PWD/gpu-out}"
mkdir -p "$out"
log="$out/gpu.log"
jsonl="$out/gpu.jsonl"
exec > >(tee -a "$log") 2>&1
. "$dir/setup.sh" "$dir"
set -a
. "$dir/bundle/provenance.env"
set +a
export FOCAL_WASM_DIR="$dir/bundle"
# The first python3 with torch (the GPU machine's has CUDA; here, Debian's /usr/bin/python3).
python=python3
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import torch' 2>/dev/null; then python="$p" && break; fi
done
cuda="$("$python" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")' 2>/dev/null || echo cpu)"
echo "PyTorch peers on: $cuda"
left() { echo $((budget - ($(date +%s) - start))); }

# step NAME SECONDS COMMAND...: runs COMMAND under a timeout, records its last JSON line.
step() {
  local name="$1" limit="$2"
  shift 2
  local t0 code
  t0=$(date +%s)
  echo "== $name (limit ${limit} s, $(left) s of the budget left)"
  timeout --signal=TERM "$limit" "$@" > "$out/.step.out"
  code=$?
  cat "$out/.step.out"
  "$DENO" eval --no-config '
    const [name, seconds, code, path] = Deno.args;
    const lines = Deno.readTextFileSync(path).trim().split("\n").reverse();
    // The last JSON line; else the last line (the test summary, say), as text.
    let result = lines[0] ? { text: lines[0].replace(/\x1b\[[0-9;]*m/g, "") } : null;
    for (const l of lines) { try { result = JSON.parse(l); break; } catch { /* not JSON */ } }
    console.log(JSON.stringify({ step: name, seconds: Number(seconds), exit: Number(code), result }));
  ' "$name" "$(($(date +%s) - t0))" "$code" "$out/.step.out" >> "$jsonl"
  rm -f "$out/.step.out"
}

"$DENO" eval --no-config "console.log(JSON.stringify({ step: 'adapter', backend: '$BACKEND',
  peers: '$cuda', cores: navigator.hardwareConcurrency, adapter: $ADAPTER,
  gitCommit: Deno.env.get('FOCAL_GIT_COMMIT'), gitDirty: Deno.env.get('FOCAL_GIT_DIRTY') === 'true' }))" >> "$jsonl"

if $quick; then
  sizes=1048576 ks=1,4 widths=4 vit=default steps=2 rounds=1 tests_filter="--filter=kernel"
  plan=smoke
else
  sizes=1048576,2097152,4194304,8388608,16777216,33554432 ks=1,16,81,216,648 widths=64
  vit=paper steps=5 rounds=1 tests_filter="" plan=paper
fi

# 2. The test files on this backend, bundled (node_modules does not travel).
cp "$dir/bundle/tests.js" tests/_gpu_bundle.js
FOCAL_BACKEND="$BACKEND" step tests 100 "$DENO" test --no-config -A $tests_filter tests/_gpu_bundle.js
rm -f tests/_gpu_bundle.js

# 3. The fused kernels against their peers.
step kernels 150 "$DENO" run -A "$dir/bundle/versus.js" --backend "$BACKEND" --rounds "$rounds" \
  --sizes "$sizes" --dispatches 20 --peer-device "$cuda" --out "$out/versus.json"

# 4. The stacked CNN, K runs per program, and PyTorch's CUDA step of one CNN.
step stacked 60 "$DENO" run -A "$dir/bundle/stacked.js" --backend "$BACKEND" --models "$ks" --steps 10
step torch-cnn 30 "$python" bench/peers/torch_cnn_train.py --device "$cuda" --steps 300 \
  --threads "$(nproc)"

# 5. The U-Net at width 64 and the ViT-B/16, ours and PyTorch's; Figure 5's
# CNN seeds stacked (3 originals and 3 stabilized) and PyTorch's step of it.
step models 90 "$DENO" run -A "$dir/bundle/models.js" --backend "$BACKEND" --widths "$widths" \
  --vit "$vit" --steps "$steps" --peer-device "$cuda"
step stacked-cifar10 45 "$DENO" run -A "$dir/bundle/stacked.js" --backend "$BACKEND" --models 1,3,6 \
  --steps "$((steps + 3))" --cifar10
step torch-cnn-cifar10 30 "$python" bench/peers/torch_cnn_train.py --device "$cuda" --steps 200 \
  --threads "$(nproc)" --cifar10

# 6. What the paper's profiles would cost here.
for experiment in mnist-classification mnist-segmentation cifar10-classification; do
  step "plan $experiment" 40 "$DENO" run -A "$dir/bundle/main.js" "$experiment" --profile "$plan" \
    --plan --backend "$BACKEND" --data-dir "$dir/mnist"
done
# Figure 6's earliest NaN in the paper (no noise, original): that run alone.
step "plan figure6-nan" 40 "$DENO" run -A "$dir/bundle/main.js" mnist-segmentation --profile "$plan" \
  --cells "noise=none,stabilization=none" --plan --backend "$BACKEND" --data-dir "$dir/mnist"

# The whole Figure 4 and Figure 6's NaN from the rates measured above:
# extrapolated, not run, and labelled so in gpu.jsonl.
"$DENO" eval --no-config '
  const steps = Object.fromEntries(Deno.readTextFileSync(Deno.args[0]).trim().split("\n")
    .map((l) => JSON.parse(l)).map((r) => [r.step, r.result]));
  const plan = (name) => steps[name]?.plans?.[0] ?? null;
  const figure4 = plan("plan mnist-classification");
  // A grid stacks one noise level (216 runs of Figure 4): that K, or the largest measured.
  const rows = steps.stacked?.rows ?? [];
  const stack = rows.find((r) => r.K >= 216) ?? rows.at(-1);
  const rate = stack?.modelStepsPerSecond ?? 0;
  const nan = plan("plan figure6-nan");
  console.log(JSON.stringify({
    step: "extrapolation",
    extrapolated: true,
    figure4: figure4 && rate > 0 ? {
      modelSteps: figure4.steps,
      K: stack.K,
      modelStepsPerSecond: rate,
      seconds: { upper: figure4.steps.upper / rate, expected: figure4.steps.expected / rate },
      target: { modelStepsPerSecond: 100000, seconds: 600 },
      from: "the stacked step at K runs per program and the steps of the paper plan",
    } : null,
    figure6Nan: nan ? {
      steps: nan.steps.expected,
      secondsPerStep: nan.secondsPerStep,
      seconds: nan.wallSeconds.expected,
      from: "the plan of the no-noise original run, timed here, up to the NaN epoch of the paper",
    } : null,
    figure6: plan("plan mnist-segmentation")?.wallSeconds ?? null,
  }));
' "$jsonl" | tee -a "$jsonl"

# 7. The tail: as much of the paper as the budget leaves, in epochs that the
# rates measured above say fit (a stack records its runs only when it ends).
# fit KIND SECONDS RUNS_IN_SEQUENCE: the epochs of 938 steps that fit.
fit() {
  "$DENO" eval --no-config '
    const [kind, seconds, sequence] = Deno.args.map((a, i) => i === 0 ? a : Number(a));
    const steps = Object.fromEntries(Deno.readTextFileSync(Deno.env.get("JSONL")).trim().split("\n")
      .map((l) => JSON.parse(l)).map((r) => [r.step, r.result]));
    // Per step: the stack of the next K at or above 162 (its runs per noise
    // level), or the U-Net width 64 step; 20% for batching and noise.
    const perStep = kind === "stacked"
      ? steps.stacked?.rows?.find((r) => r.K >= 162)?.secondsPerStep ??
        steps.stacked?.rows?.at(-1)?.secondsPerStep
      : steps.models?.unet?.rows?.[0]?.secondsPerStep;
    console.log(perStep ? Math.min(100, Math.floor(seconds / (sequence * 938 * perStep * 1.2))) : 0);
  ' "$@"
}
export JSONL="$jsonl"
unstable="gamma=0.1|0.2|0.3|0.4|0.5|0.6|0.7|0.8|0.9"
tail_out="$out/tail"
remaining=$(left)
if $quick; then
  rows=(--profile smoke --cells "noise=high,$unstable" --epochs 1)
  unet=(--profile smoke --cells "noise=none" --epochs 1)
else
  rows=(--profile paper --cells "noise=medium|high,$unstable" --epochs "$(fit stacked $((remaining * 6 / 10)) 2)")
  unet=(--profile paper --cells "noise=none" --epochs "$(fit unet $((remaining * 4 / 10 - 30)) 2)")
fi
echo "tail: Figure 4 rows ${rows[*]}; Figure 6 ${unet[*]}"
if [ "$remaining" -gt 60 ] && [ "${rows[-1]}" != 0 ]; then
  # Stacked records cannot join unstacked ones: a folder of their own.
  step "tail figure4-rows" $((remaining * 6 / 10)) "$DENO" run -A "$dir/bundle/main.js" \
    mnist-classification "${rows[@]}" --stacked --backend "$BACKEND" --data-dir "$dir/mnist" \
    --out "$tail_out"
fi
remaining=$(left)
if [ "$remaining" -gt 40 ] && [ "${unet[-1]}" != 0 ]; then
  step "tail figure6-width64" $((remaining - 20)) "$DENO" run -A "$dir/bundle/main.js" \
    mnist-segmentation "${unet[@]}" --backend "$BACKEND" --data-dir "$dir/mnist" \
    --checkpoint-every 0 --out "$tail_out"
fi
# What comes back: records and figures, not checkpoints (a width-64 U-Net's is ≈ 248 MB).
if [ -d "$tail_out" ]; then
  tar -czf "$out/tail.tar.gz" -C "$tail_out" --exclude=checkpoints . && rm -rf "$tail_out"
fi
echo "gpu.sh: $(($(date +%s) - start)) s; $(wc -l < "$jsonl") lines in $jsonl"
