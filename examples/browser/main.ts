/// <reference lib="dom" />
// The focal loss in a browser page, on the wasm backend (webgl and webgpu
// work the same way: tf.setBackend("webgl")). Bundle it with
//
//   deno bundle --platform browser -o main.js main.ts
//
// and serve this folder with tfjs-backend-wasm's dist/*.wasm under /wasm/.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { sigmoidFocalLoss } from "@focal/stability";

setWasmPaths(new URL("/wasm/", location.href).href);
await tf.setBackend("wasm");
const logits = tf.tensor1d([-3, 0.2, 25]);
const targets = tf.tensor1d([0, 1, 1]);
const grad = tf.grad((x: tf.Tensor) =>
  sigmoidFocalLoss(x, targets, { gamma: 0.5, reduction: "mean" })
);
// Finite where the original loss's gradient is NaN (x = 25, where p_t rounds to 1).
const values = Array.from(await grad(logits).data());
document.querySelector("#result")!.textContent = JSON.stringify(values);
