import assert from "node:assert/strict";
import { span } from "../experiments/_sections.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

/** A record that trained from `start` to `end` seconds past a fixed instant. */
function ran(start: number, end: number): RunRecord {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 27) + s * 1000).toISOString();
  return { provenance: { startedAt: at(start), finishedAt: at(end) } } as unknown as RunRecord;
}

Deno.test("span: one invocation, two workers, is its first start to its last end", () => {
  assert.equal(span([ran(0, 30), ran(1, 50), ran(31, 70), ran(52, 60)]), 70);
});

Deno.test("span: the gap between a shard and its resumption does not count", () => {
  const day = 86_400;
  // 40 s of runs, a day's pause, then 25 s more: 65 s, not a day.
  assert.equal(span([ran(day, day + 20), ran(0, 30), ran(10, 40), ran(day + 5, day + 25)]), 65);
});

Deno.test("span: a run inside another adds nothing; runs that touch join", () => {
  assert.equal(span([ran(0, 100), ran(10, 20), ran(100, 130)]), 130);
});
