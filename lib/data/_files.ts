// File handling the dataset loaders share: optional reads, gunzip, untar, and
// the cache write that never leaves a partial file behind.

/** The file's bytes, or null when it does not exist. */
export async function readIfExists(path: string): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** The decompressed content of gzip bytes; throws on an incomplete stream. */
export async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Writes `bytes` to `dir/name` under a temporary name and renames it, so a
 * reader sees the whole file or none of it.
 */
export async function writeAtomically(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const target = `${dir}/${name}`;
  const partial = `${target}.partial-${crypto.randomUUID()}`;
  try {
    await Deno.writeFile(partial, bytes);
    await Deno.rename(partial, target);
  } catch (e) {
    await Deno.remove(partial).catch(() => {});
    throw e;
  }
}

/** The regular files of a tar archive, by path. */
export function untar(tar: Uint8Array, where: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, length: number) =>
    new TextDecoder().decode(tar.subarray(from, from + length)).replace(/\0.*$/s, "");
  for (let at = 0; at + 512 <= tar.length;) {
    const name = text(at, 100);
    if (name === "") break; // the two zero blocks that end the archive
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const prefix = text(at + 257, 6).startsWith("ustar") ? text(at + 345, 155) : "";
    const type = text(at + 156, 1);
    if (!Number.isFinite(size) || at + 512 + size > tar.length) {
      throw new RangeError(`${where}: truncated tar entry ${name}`);
    }
    if (type === "0" || type === "") {
      files.set(prefix ? `${prefix}/${name}` : name, tar.subarray(at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
