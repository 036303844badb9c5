#!/usr/bin/env bash
# The time a checkpoint saves: one run of the default profile's protocol
# (60,000 images, γ 2, no noise, threshold 0) capped at 6 epochs, timed
# uninterrupted, then killed with `kill -9` once its checkpoint has been
# written for the third time (after epoch 3) and resumed by the same command.
# Rounds alternate, since this machine's speed drifts. Prints the seconds and
# whether each resumed record equals the uninterrupted one (config, status,
# epochs, NaN step, epoch losses). Usage: scripts/time_resume.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-2}"
work="$(mktemp -d)"
run=(npx -y deno@2.9.6 task experiment mnist-classification
  --cells "noise=none,threshold=0,gamma=2,stabilization=none" --epochs 6 --workers 1 --backend wasm)
now() { date +%s.%N; }
outcome() { jq -c '{config, status, completedEpochs, nanEpoch, nanStep, epochLosses}' "$1/mnist-classification/runs.jsonl"; }
for round in $(seq 1 "$rounds"); do
  whole="$work/whole-$round" cut="$work/cut-$round"
  start=$(now)
  "${run[@]}" --out "$whole" >"$whole.log" 2>&1
  echo "round $round: uninterrupted $(echo "$(now) - $start" | bc) s"
  start=$(now)
  setsid "${run[@]}" --out "$cut" >"$cut.log" 2>&1 &
  pid=$!
  seen="" writes=0
  while [ "$writes" -lt 3 ]; do
    stamp=$(stat -c %y "$cut"/mnist-classification/checkpoints/*.ckpt 2>/dev/null || true)
    if [ -n "$stamp" ] && [ "$stamp" != "$seen" ]; then writes=$((writes + 1)) seen="$stamp"; fi
    sleep 0.05
  done
  kill -9 -- "-$pid"
  wait "$pid" 2>/dev/null || true
  echo "round $round: killed after $(echo "$(now) - $start" | bc) s"
  start=$(now)
  "${run[@]}" --out "$cut" >>"$cut.log" 2>&1
  echo "round $round: resumed invocation $(echo "$(now) - $start" | bc) s;" \
    "$(grep -o 'resuming from its checkpoint at epoch [0-9]*, step [0-9]*' "$cut.log")"
  if [ "$(outcome "$whole")" = "$(outcome "$cut")" ]; then
    echo "round $round: the resumed record equals the uninterrupted one"
  else
    echo "round $round: the resumed record DIFFERS"; exit 1
  fi
done
rm -rf "$work"
