import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { compareRecords, comparisonSection, describeComparison } from "../experiments/_compare.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

/** A record of run `id` with these losses and outcome. */
function record(id: string, losses: number[], nanEpoch: number | null = null): RunRecord {
  return {
    experiment: "mnist-classification",
    runId: id,
    index: 0,
    profile: "default",
    config: { gamma: 0.5, epochs: 3 } as unknown as RunRecord["config"],
    status: nanEpoch === null ? "completed" : "nan",
    completedEpochs: nanEpoch === null ? losses.length : nanEpoch - 1,
    nanEpoch,
    nanStep: nanEpoch === null ? null : 7,
    epochLosses: losses,
    provenance: {} as RunRecord["provenance"],
  };
}

async function folder(records: RunRecord[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "focal-compare-" });
  await Deno.mkdir(`${dir}/mnist-classification`);
  await Deno.writeTextFile(
    `${dir}/mnist-classification/runs.jsonl`,
    records.map((r) => JSON.stringify(r) + "\n").join(""),
  );
  return dir;
}

Deno.test(
  name("a reproduction's records against the committed ones: equal, differing, changed"),
  async () => {
    const committed = await folder([
      record("a", [0.5, 0.25, 0.125]),
      record("b", [0.5, 0.25, 0.125]),
      record("c", [0.5, 0.25], 3),
      record("d", [0.5]),
    ]);
    const other = { ...record("d", [0.5]), profile: "smoke" };
    const ours = await folder([
      record("a", [0.5, 0.25, 0.125]),
      record("b", [0.5, 0.25, 0.126]),
      record("c", [0.5, 0.25, 0.1]),
      other,
      record("e", [0.5]),
    ]);
    try {
      const [c] = await compareRecords(ours, committed, ["mnist-classification", "variants"]);
      assert.equal(c.compared, 3);
      assert.equal(c.equal, 1);
      assert.equal(c.unmatched, 2, "another profile's run and a run with no committed record");
      assert.deepEqual(c.outcomeChanged, ["c"]);
      assert.equal(c.largest?.runId, "b");
      assert.equal(c.largest?.epoch, 3);
      assert.ok(Math.abs(c.largest!.relative - 0.008) < 1e-12);
      assert.match(
        describeComparison(c),
        /^mnist-classification: 1 of 3 runs equal the committed records bit for bit; .*8\.00e-3 \(b, epoch 3\); outcome changed .*: c; 2 with no committed record/,
      );
      assert.equal(comparisonSection("results", [c]).measured.length, 1);
    } finally {
      await Deno.remove(ours, { recursive: true });
      await Deno.remove(committed, { recursive: true });
    }
  },
);
