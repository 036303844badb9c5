// AssemblyScript source of two gradient kernels of the CNNs' training step
// on the wasm backend (SIMD, f32x4), for lib/kernels/max_pool_grad_wasm.ts
// and lib/kernels/conv2d_backprop_input_wasm.ts. Like the loss kernels, it
// imports the tfjs wasm backend's memory and owns no static data: every
// address is a tensor's offset in that memory, in bytes.

/** No vector constants here; the loader calls this for every module. */
export function initConstants(): void {}

/**
 * MaxPoolGrad of a 2×2, stride-2, unpadded pool over x [b, h, w, c] (NHWC),
 * c ≥ 4: each window passes dy to the first position, row by row, strictly
 * above all before it (the cpu backend's rule: NaN and −∞ never win) and 0
 * to the other three. Windows do not overlap, so every covered element is
 * stored once; the caller zeroes dx first when h or w is odd. Four channels
 * per vector; the last vector of a pixel overlaps the one before it when
 * 4 ∤ c (the shared lanes are computed, and stored, twice).
 */
export function maxPoolGrad2x2(
  x: usize,
  dy: usize,
  dx: usize,
  batch: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
): void {
  const negInf = f32x4.splat(-Infinity);
  const across = <usize>c << 2;
  const down = <usize>(w * c) << 2;
  let o: usize = dy;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const k0 = <usize>(((b * h + 2 * i) * w + 2 * j) * c) << 2;
        for (let d = 0; d < c; d += 4) {
          const lane = <usize>min(d, c - 4) << 2;
          const p0 = x + k0 + lane;
          const x0 = v128.load(p0);
          const x1 = v128.load(p0 + across);
          const x2 = v128.load(p0 + down);
          const x3 = v128.load(p0 + down + across);
          // m_k: position k beats every position before it.
          const m0 = f32x4.gt(x0, negInf);
          let best = v128.bitselect(x0, negInf, m0);
          const m1 = f32x4.gt(x1, best);
          best = v128.bitselect(x1, best, m1);
          const m2 = f32x4.gt(x2, best);
          best = v128.bitselect(x2, best, m2);
          const m3 = f32x4.gt(x3, best);
          // The last position that beat its predecessors is the winner.
          const later2 = m3;
          const later1 = v128.or(m2, later2);
          const later0 = v128.or(m1, later1);
          const g = v128.load(o + lane);
          const q0 = dx + k0 + lane;
          v128.store(q0, v128.and(g, v128.andnot(m0, later0)));
          v128.store(q0 + across, v128.and(g, v128.andnot(m1, later1)));
          v128.store(q0 + down, v128.and(g, v128.andnot(m2, later2)));
          v128.store(q0 + down + across, v128.and(g, m3));
        }
        o += across;
      }
    }
  }
}

/**
 * dx += col2im(cols) for a stride-1 convolution: cols [n, oh, ow, kh, kw, ci]
 * holds, per output pixel, dy times the filter (dy [n·oh·ow, co] × W
 * [co, kh·kw·ci]), and each of its kh·kw·ci values belongs to the input
 * pixel (y + a − top, x + b − left). Rows and columns outside the input
 * (padding) are skipped. dx [n, h, w, ci] is zeroed here first.
 */
export function col2imStride1(
  cols: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  kh: i32,
  kw: i32,
  top: i32,
  left: i32,
): void {
  memory.fill(dx, 0, <usize>(n * h * w * ci) << 2);
  const pixelBytes = <usize>(kh * kw * ci) << 2;
  const tapRowBytes = <usize>(kw * ci) << 2;
  let src = cols;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        // The filter columns that land inside the input.
        const bLo = max(0, left - x);
        const bHi = min(kw, w + left - x);
        if (bLo < bHi) {
          const runBytes = <usize>((bHi - bLo) * ci) << 2;
          for (let a = 0; a < kh; a++) {
            const yy = y + a - top;
            if (yy < 0 || yy >= h) continue;
            const from = src + <usize>a * tapRowBytes + (<usize>(bLo * ci) << 2);
            const to = dx + (<usize>(((b * h + yy) * w + x + bLo - left) * ci) << 2);
            addRun(to, from, runBytes);
          }
        }
        src += pixelBytes;
      }
    }
  }
}

/** to[i] += from[i] over `bytes` bytes (a multiple of 4). */
// @ts-ignore: decorator
@inline function addRun(to: usize, from: usize, bytes: usize): void {
  let k: usize = 0;
  for (; k + 16 <= bytes; k += 16) {
    v128.store(to + k, f32x4.add(v128.load(to + k), v128.load(from + k)));
  }
  for (; k < bytes; k += 4) store<f32>(to + k, load<f32>(to + k) + load<f32>(from + k));
}
