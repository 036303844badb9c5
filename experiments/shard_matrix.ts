// How many shards the paper profile's MNIST grid needs to finish inside a CI
// job's limit, computed from the plan measured on the runner itself:
//   deno task experiment mnist-classification --profile paper --plan > plan.txt
//   deno run --allow-read experiments/shard_matrix.ts plan.txt 4.5
// prints {"shards":[1,...,n],"count":n,"hoursPerShard":h} (the plan's JSON is
// the last line of plan.txt; 4.5 is the hours each shard may take).
import { type ExperimentPlan, shardsNeeded } from "./_plan.ts";

const [file, hours = "4.5"] = Deno.args;
const lines = (await Deno.readTextFile(file)).trim().split("\n");
const { plans } = JSON.parse(lines[lines.length - 1]) as { plans: ExperimentPlan[] };
const plan = plans[0];
const count = shardsNeeded(plan, Number(hours) * 3600);
console.log(JSON.stringify({
  shards: Array.from({ length: count }, (_, i) => i + 1),
  count,
  hoursPerShard: Number((plan.wallSeconds.upper! / count / 3600).toFixed(2)),
}));
