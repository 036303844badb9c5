import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { parseIdx } from "../lib/data/idx.ts";

function idx(magic: number, dims: number[], data: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

Deno.test(name("parseIdx reads dimensions and data, and names the file in every error"), () => {
  const ok = parseIdx(idx(0x0803, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), "x", 3);
  assert.deepEqual(ok.dims, [2, 2, 2]);
  assert.deepEqual(Array.from(ok.data), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.throws(
    () => parseIdx(idx(0x0801, [2], [1, 2]), "labels.idx", 3),
    /labels\.idx: IDX magic number 0x00000801, expected 0x00000803/,
  );
  assert.throws(
    () => parseIdx(idx(0x0801, [3], [1, 2]), "short.idx", 1),
    /short\.idx: 2 data bytes, expected 3 for dimensions \[3\] \(truncated\)/,
  );
  assert.throws(
    () => parseIdx(idx(0x0801, [1], [1, 2]), "long.idx", 1),
    /long\.idx: 2 data bytes, expected 1/,
  );
  assert.throws(
    () => parseIdx(new Uint8Array(3), "tiny.idx", 1),
    /tiny\.idx: truncated IDX header/,
  );
});
