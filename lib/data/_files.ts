// File handling the dataset loaders share: optional reads, gunzip, and the
// cache write that never leaves a partial file behind.

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
