#!/usr/bin/env bash
# The Slurm array under a real Slurm (.ci/run calls this, as root): starts a
# one-node Slurm on localhost (local_cluster.sh), submits grid.sbatch for a
# small grid in two array tasks, requeues task 1 while it trains (Slurm
# sends it SIGTERM, so its run saves a checkpoint, and runs the task again),
# and checks that the requeued task resumed from its checkpoint and that
# `deno task experiment merge` of the shards gives exactly the records of one unsharded
# invocation (everything but provenance). Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
deno="npx -y deno@2.9.6"
scripts/slurm/local_cluster.sh
work=$(mktemp -d /tmp/focal-slurm-XXXXXX)
# What the array runs: 4 runs of the smoke profile (256 images), 120 epochs each.
export FOCAL_EXPERIMENT=mnist-classification FOCAL_PROFILE=smoke
export FOCAL_CELLS="noise=high,threshold=0|4,gamma=0.5" FOCAL_EPOCHS=120 FOCAL_OUT="$work/shards"
mkdir -p "$FOCAL_OUT"
job=$(sbatch --parsable --array=1-2 -c 1 --mem=3G --time=20:00 --export=ALL \
  --output="$work/slurm-%A_%a.out" scripts/slurm/grid.sbatch)
echo "submitted array job $job"
checkpoints="$FOCAL_OUT/shard-1/$FOCAL_EXPERIMENT/checkpoints"
for _ in $(seq 1 600); do
  if ls "$checkpoints"/*.ckpt >/dev/null 2>&1; then break; fi
  sleep 0.5
done
ls "$checkpoints"/*.ckpt >/dev/null 2>&1 || { echo "task 1 wrote no checkpoint" >&2; exit 1; }
echo "task 1 is training ($(ls "$checkpoints")); requeueing it"
scontrol requeue "${job}_1"
for _ in $(seq 1 1200); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -j "$job")" ] || { echo "the array did not finish" >&2; exit 1; }
cat "$work"/slurm-*_1.out
grep -q "restart 1" "$work/slurm-${job}_1.out" || { echo "task 1 was not run again" >&2; exit 1; }
grep -q "resuming from its checkpoint" "$work/slurm-${job}_1.out" ||
  { echo "task 1 did not resume from its checkpoint" >&2; exit 1; }
$deno task experiment merge --out "$work/merged" "$FOCAL_OUT"/shard-* </dev/null
$deno task experiment "$FOCAL_EXPERIMENT" --profile "$FOCAL_PROFILE" --cells "$FOCAL_CELLS" \
  --epochs "$FOCAL_EPOCHS" --out "$work/whole" </dev/null >/dev/null
# One invocation appends its records in the order its workers finish them and
# merge sorts by index, so both sides are compared in index order.
$deno eval "
  const read = (p) => Deno.readTextFileSync(p).trim().split('\n').map((l) => {
    const { provenance: _, ...rest } = JSON.parse(l);
    return rest;
  }).sort((a, b) => a.index - b.index);
  const merged = read('$work/merged/$FOCAL_EXPERIMENT/runs.jsonl');
  const whole = read('$work/whole/$FOCAL_EXPERIMENT/runs.jsonl');
  const differ = whole.filter((r, i) => JSON.stringify(r) !== JSON.stringify(merged[i])).map((r) => r.runId);
  if (merged.length !== 4 || whole.length !== 4 || differ.length > 0) {
    console.error('merged shards (' + merged.length + ' runs) differ from the unsharded run (' +
      whole.length + ' runs) in: ' + (differ.join(', ') || 'their number'));
    Deno.exit(1);
  }
  console.log('slurm requeue test: 4 runs over 2 array tasks, task 1 requeued and resumed; merge equals the unsharded records');
"
rm -rf "$work"
