import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { imageBatches } from "../lib/data/image_batches.ts";

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

Deno.test(name("batches without noise are pixel/255, with per-image targets [b, 1]"), async () => {
  const images = Uint8Array.from([0, 51, 255, 102, 0, 0, 255, 255]);
  const data = imageBatches({ images, shape: [2, 2, 1], targets: Float32Array.of(1, 0) });
  assert.equal(data.count, 2);
  const { inputs, targets } = data.batch(Int32Array.of(1, 0));
  assert.deepEqual(inputs.shape, [2, 2, 2, 1]);
  assert.deepEqual(Array.from(await inputs.data()), [0, 0, 1, 1, 0, 0.2, 1, 0.4].map(Math.fround));
  assert.deepEqual(targets.shape, [2, 1]);
  assert.deepEqual(Array.from(await targets.data()), [0, 1]);
  tf.dispose([inputs, targets]);
});

Deno.test(
  name("noise is fresh in every batch, U[0, 1) × amplitude, clipped to [0, 1]"),
  async () => {
    const n = 64;
    const pixels = 28 * 28;
    // Half the pixels black, half white: the white ones must stay exactly 1.
    const images = Uint8Array.from({ length: n * pixels }, (_, i) => (i % 2) * 255);
    for (const amplitude of [0.5, 0.75]) {
      const source = () =>
        imageBatches({
          images,
          shape: [28, 28, 1],
          targets: new Float32Array(n),
          noise: amplitude,
          seed: 7,
        });
      const data = source();
      const first = data.batch(all(n));
      const second = data.batch(all(n));
      const a = await first.inputs.data();
      const b = await second.inputs.data();
      const added = Array.from(a).filter((_, i) => i % 2 === 0);
      assert.ok(added.every((v) => v >= 0 && v < amplitude), `${amplitude}: noise out of range`);
      const mean = added.reduce((s, v) => s + v, 0) / added.length;
      assert.ok(Math.abs(mean - amplitude / 2) < 0.01, `${amplitude}: mean noise ${mean}`);
      assert.ok(Array.from(a).every((v, i) => i % 2 === 0 || v === 1), "white pixels clipped to 1");
      assert.notDeepEqual(a, b, "the same images seen again get new noise");
      // Seeded: a second source with the same seed gives the same stream.
      const again = source().batch(all(n));
      assert.deepEqual(await again.inputs.data(), a);
      tf.dispose([first.inputs, first.targets, second.inputs, second.targets]);
      tf.dispose([again.inputs, again.targets]);
    }
  },
);

Deno.test(name("segmentation targets come from the clean image, whatever the noise"), async () => {
  const images = Uint8Array.from([0, 127, 128, 255]);
  const data = imageBatches({
    images,
    shape: [2, 2, 1],
    targets: { maskAbove: 0.5 },
    noise: 0.75,
    seed: 3,
  });
  const { inputs, targets } = data.batch(Int32Array.of(0));
  assert.deepEqual(targets.shape, [1, 2, 2, 1]);
  assert.deepEqual(Array.from(await targets.data()), [0, 0, 1, 1]);
  assert.ok(Array.from(await inputs.data())[0] > 0, "the noise reached the input");
  tf.dispose([inputs, targets]);
});

Deno.test(name("CIFAR-10's normalization (x − 0.5)/0.5 maps [0, 1] to [−1, 1]"), async () => {
  const data = imageBatches({
    images: Uint8Array.from([0, 255, 51]),
    shape: [1, 1, 3],
    targets: Float32Array.of(1),
    normalize: { mean: 0.5, std: 0.5 },
  });
  const { inputs, targets } = data.batch(Int32Array.of(0));
  const values = Array.from(await inputs.data());
  assert.deepEqual(values.slice(0, 2), [-1, 1]);
  assert.ok(Math.abs(values[2] - (-0.6)) < 1e-6);
  tf.dispose([inputs, targets]);
});

Deno.test(name("image sources reject images and targets that do not fit"), () => {
  assert.throws(
    () =>
      imageBatches({ images: new Uint8Array(5), shape: [2, 2, 1], targets: { maskAbove: 0.5 } }),
    /whole 2×2×1 images: 5 bytes/,
  );
  assert.throws(
    () =>
      imageBatches({ images: new Uint8Array(8), shape: [2, 2, 1], targets: new Float32Array(3) }),
    /3 targets for 2 images/,
  );
});
