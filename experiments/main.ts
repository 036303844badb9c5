// deno task experiment <name> [--profile smoke|default|paper] [--backend auto|webgpu|wasm|cpu]
//                             [--shard i/n] [--out results] [--seed N] [--data-dir DIR]
import { parseArgs } from "node:util";
import {
  chooseBackend,
  describeAdapter,
  parseBackend,
  useBackend,
} from "../lib/backends/use_backend.ts";
import { PROFILES } from "./mnist_classification/profiles.ts";
import { EXPERIMENT, runMnistClassification } from "./mnist_classification/run.ts";
import { renderFigure4 } from "./mnist_classification/figure4.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

const HELP = `deno task experiment <name> [options]

experiments:
  mnist-classification   Sec. 2.5.1: the CNN of Appendix A.4 on binarized MNIST (Figure 4)

options:
  --profile smoke|default|paper   what to run (default: default)
  --backend auto|webgpu|wasm|cpu  auto: webgpu on real GPU hardware, else wasm (default: auto)
  --shard i/n                     run every n-th run of the grid, starting at the i-th (default: 1/1)
  --out DIR                       results root (default: results)
  --seed N                        seeds data subsets, noise, initialization, order (default: 0)
  --data-dir DIR                  official MNIST files (raw or .gz), tried first
  --help                          this text

Runs already in <out>/<name>/runs.jsonl are skipped: rerunning resumes.`;

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    profile: { type: "string", default: "default" },
    backend: { type: "string", default: "auto" },
    shard: { type: "string", default: "1/1" },
    out: { type: "string", default: "results" },
    seed: { type: "string", default: "0" },
    "data-dir": { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help || positionals.length === 0) {
  console.log(HELP);
  Deno.exit(values.help ? 0 : 2);
}
const [name] = positionals;
if (name !== EXPERIMENT) {
  console.error(`unknown experiment ${name}: expected ${EXPERIMENT}\n\n${HELP}`);
  Deno.exit(2);
}
const profile = PROFILES[values.profile as keyof typeof PROFILES];
if (profile === undefined) {
  console.error(
    `--profile must be one of ${Object.keys(PROFILES).join(", ")}: received ${values.profile}`,
  );
  Deno.exit(2);
}
const shardMatch = values.shard.match(/^(\d+)\/(\d+)$/);
if (shardMatch === null) {
  console.error(`--shard must look like i/n: received ${values.shard}`);
  Deno.exit(2);
}
const seed = Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`--seed must be an integer: received ${values.seed}`);
  Deno.exit(2);
}
const requested = values.backend === "auto" ? "auto" : parseBackend(values.backend);
const { backend, reason } = await chooseBackend(requested);
await useBackend(backend);
const adapter = backend === "webgpu" ? (await describeAdapter())?.description ?? null : null;
console.log(`${EXPERIMENT}, profile ${profile.name}: ${profile.description}`);
console.log(
  `backend ${backend} (${reason}); shard ${values.shard}; seed ${seed}; out ${values.out}`,
);

const start = performance.now();
let first: number | null = null;
const tty = Deno.stdout.isTerminal();
const records = await runMnistClassification({
  profile,
  backend,
  adapter,
  shard: [Number(shardMatch[1]), Number(shardMatch[2])],
  out: values.out,
  seed,
  dataDir: values["data-dir"],
  progress: (done, total, record: RunRecord) => {
    first ??= done - 1;
    const elapsed = (performance.now() - start) / 1000;
    const eta = (elapsed / (done - first)) * (total - done);
    const outcome = record.status === "nan"
      ? `NaN at epoch ${record.nanEpoch}, step ${record.nanStep}`
      : `${record.completedEpochs} epochs`;
    const line = `[${done}/${total}] ${record.runId}: ${outcome} (${
      record.provenance.wallSeconds.toFixed(1)
    } s; ETA ${Math.round(eta)} s)`;
    if (tty) {
      const width = 30;
      const bar = "#".repeat(Math.round((width * done) / total)).padEnd(width, ".");
      console.log(`\r[${bar}] ${line}`);
    } else {
      console.log(line);
    }
  },
});
const path = `${values.out}/${EXPERIMENT}/figure4.svg`;
await renderFigure4(records, path);
console.log(
  `${records.length} runs in ${values.out}/${EXPERIMENT}/runs.jsonl; ${path} (${
    ((performance.now() - start) / 1000).toFixed(0)
  } s)`,
);
