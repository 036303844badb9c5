// The most multiply-adds a second that wasm SIMD gives on this machine: a
// loop of nothing but `f32x4.relaxed_madd` on 12 independent accumulators
// (enough to hide the FMA's latency, few enough to stay in x86's 16 vector
// registers with the two operands), no loads or stores, the instruction
// our convolution kernels are built on (lib/kernels/assembly/conv3x3.ts).
// No kernel that reads and writes memory can beat it, so it bounds what
// any wasm convolution can reach here (bench/models.ts prints it beside
// the U-Net's convolutions and what the speed target would need of them).
// On `threads` workers at once it is the ceiling of that many cores.

/** Accumulators of the loop: 12 × 4 lanes, so one iteration is 48 multiply-adds. */
const ACCUMULATORS = 12;
/** Multiply-adds one iteration of the loop performs. */
export const FMA_LOOP_MULTIPLY_ADDS = ACCUMULATORS * 4;

/** Unsigned LEB128, as wasm encodes sizes and indices. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** A section: its id, then its bytes with their length. */
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];

/**
 * The module's bytes: `run(n: i32) -> f32` iterates n ≥ 1 times
 * acc_k = x·y + acc_k (k = 0…11, x = y = 1 in every lane, accumulators from
 * 0) and returns lane 0 of the accumulators' sum: 12·n, exact in float32
 * below 2^20 iterations.
 */
export function fmaLoopModule(): Uint8Array {
  const SIMD = 0xfd;
  const v128 = 0x7b;
  const splat1 = [SIMD, 0x0c, ...Array.from({ length: 4 }, () => [0, 0, 0x80, 0x3f]).flat()];
  const zero = [SIMD, 0x0c, ...new Array(16).fill(0)];
  const [x, y] = [1, 2];
  const acc = (k: number) => 3 + k;
  const body: number[] = [];
  // Locals: 0 is n; x, y, then the accumulators.
  body.push(1, ...leb(2 + ACCUMULATORS), v128);
  body.push(...splat1, 0x21, x, ...splat1, 0x21, y);
  for (let k = 0; k < ACCUMULATORS; k++) body.push(...zero, 0x21, acc(k));
  body.push(0x03, 0x40); // loop
  for (let k = 0; k < ACCUMULATORS; k++) {
    // local.get x, local.get y, local.get acc_k, f32x4.relaxed_madd, local.set acc_k
    body.push(0x20, x, 0x20, y, 0x20, acc(k), SIMD, ...leb(0x105), 0x21, acc(k));
  }
  // n = n − 1; continue while n ≠ 0
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b);
  body.push(0x20, acc(0));
  for (let k = 1; k < ACCUMULATORS; k++) body.push(0x20, acc(k), SIMD, ...leb(0xe4)); // f32x4.add
  body.push(SIMD, 0x1f, 0, 0x0b); // f32x4.extract_lane 0; end
  const name = [...new TextEncoder().encode("run")];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // (i32) -> f32
    ...section(3, [1, 0]),
    ...section(7, [1, name.length, ...name, 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

/** The loop, instantiated: run(n) returns 12·n (exact below 2^20 iterations). */
export function fmaLoop(): (iterations: number) => number {
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(fmaLoopModule() as BufferSource),
  );
  return instance.exports.run as (iterations: number) => number;
}

/**
 * The worker's code: instantiates the module it is sent and times `calls`
 * calls of `chunk` iterations, after as many untimed ones. V8 first runs a
 * wasm function on its baseline compiler (Liftoff, which keeps locals on
 * the stack) and swaps in the optimized code only between calls, so one
 * long call would time the baseline code.
 */
const WORKER = `
self.onmessage = (e) => {
  const { bytes, chunk, calls } = e.data;
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.run;
  for (let i = 0; i < calls; i++) run(chunk);
  const start = performance.now();
  for (let i = 0; i < calls; i++) run(chunk);
  self.postMessage((performance.now() - start) / 1000);
};`;

/** Iterations of one call of the loop (about 3 M multiply-adds, a fraction of a millisecond). */
const CHUNK = 2 ** 16;

/**
 * Multiply-adds a second of the loop on `threads` workers at once (their
 * total, from the slowest worker's time), each timing `iterations` (default
 * 2^26: about 3.2 G multiply-adds, a few tenths of a second a core) in calls
 * of CHUNK iterations after as many untimed.
 */
export async function fmaCeiling(threads: number, iterations = 2 ** 26): Promise<number> {
  const chunk = Math.min(CHUNK, iterations);
  const calls = Math.max(1, Math.round(iterations / chunk));
  const url = `data:application/javascript,${encodeURIComponent(WORKER)}`;
  const workers = Array.from({ length: threads }, () => new Worker(url, { type: "module" }));
  try {
    const bytes = fmaLoopModule();
    const seconds = await Promise.all(workers.map((w) =>
      new Promise<number>((resolve, reject) => {
        w.onmessage = (e) => resolve(e.data as number);
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage({ bytes, chunk, calls });
      })
    ));
    return threads * calls * chunk * FMA_LOOP_MULTIPLY_ADDS / Math.max(...seconds);
  } finally {
    for (const w of workers) w.terminate();
  }
}
