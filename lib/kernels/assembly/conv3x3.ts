// AssemblyScript source of the U-Net's 3×3 "same" convolutions (stride 1,
// padding 1, NHWC) for few channels, where XNNPACK's Conv2D in tfjs-wasm is
// slow (its SIMD build has no FMA, and small channel counts leave its
// micro-kernels idle): the forward pass, which with the filter rotated by
// 180° and its channels swapped is also the input gradient, and the filter
// gradient (lib/kernels/gradients/conv3x3_wasm.ts registers them; lib/kernels/threads/
// splits them across helper threads):
//
//   y[b, r, c, o]   = Σ_{ky, kx, i} xp[b, r + ky, c + kx, i] · w[ky, kx, i, o]
//   dw[ky, kx, i, o] = Σ_{b, r, c}  xp[b, r + ky, c + kx, i] · dy[b, r, c, o]
//
// xp: x padded by one zero pixel on each side, one image at a time into
// `pad` ((h + 2)·(w + 2)·ci floats, the caller's scratch). Four output
// channels per f32x4 (co a multiple of 4), relaxed FMA. The forward pass
// holds 4 output pixels × 8 output channels in registers (each output the
// same sum, in the same order, whichever block holds it); the filter
// gradient 4 input channels × 8 output channels, summed over the pixels of
// each image in row order, images in order: the same sums whatever calls it.
// Like the other kernels it imports the tfjs wasm backend's memory and owns
// no static data.

/** No vector constants here; the loader calls this for every module. */
export function initConstants(): void {}

// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

/** Copies image b of x [n, h, w, ci] into pad [(h + 2), (w + 2), ci] with a zero border. */
function padImage(x: usize, pad: usize, b: i32, h: i32, w: i32, ci: i32): void {
  const pixel = <usize>ci << 2;
  const padRow = <usize>(w + 2) * pixel;
  const row = <usize>w * pixel;
  memory.fill(pad, 0, padRow);
  memory.fill(pad + <usize>(h + 1) * padRow, 0, padRow);
  const image = x + <usize>b * <usize>h * row;
  for (let r = 0; r < h; r++) {
    const dst = pad + <usize>(r + 1) * padRow;
    memory.fill(dst, 0, pixel);
    memory.copy(dst + pixel, image + <usize>r * row, row);
    memory.fill(dst + pixel + row, 0, pixel);
  }
}

/**
 * y [n, h, w, co] = x [n, h, w, ci] ⋆ w [3, 3, ci, co], "same"; co a multiple
 * of 4. Output pixels four at a time in row-major order, a block crossing
 * rows where w is not a multiple of 4 (the last block of an image repeats
 * its last pixel, whose copies are not stored).
 */
export function conv3x3Forward(
  x: usize,
  wt: usize,
  y: usize,
  pad: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  co: i32,
): void {
  const pixel = <usize>ci << 2;
  const padRow = <usize>(w + 2) * pixel;
  const wRow = <usize>co << 2;
  const out = <usize>co << 2;
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    padImage(x, pad, b, h, w, ci);
    const image = y + <usize>b * <usize>hw * out;
    for (let p = 0; p < hw; p += 4) {
      // Where each pixel's 3×3 window starts in the padded image.
      const q1 = min(p + 1, hw - 1), q2 = min(p + 2, hw - 1), q3 = min(p + 3, hw - 1);
      const p0 = pad + <usize>(p / w) * padRow + <usize>(p % w) * pixel;
      const p1 = pad + <usize>(q1 / w) * padRow + <usize>(q1 % w) * pixel;
      const p2 = pad + <usize>(q2 / w) * padRow + <usize>(q2 % w) * pixel;
      const p3 = pad + <usize>(q3 / w) * padRow + <usize>(q3 % w) * pixel;
      const count = min(4, hw - p);
      for (let o = 0; o < co; o += 8) {
        const two = o + 8 <= co;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const tap = <usize>ky * padRow + <usize>kx * pixel;
            let wp = wt + ((<usize>((ky * 3 + kx) * ci) * <usize>co + <usize>o) << 2);
            let i0 = p0 + tap, i1 = p1 + tap, i2 = p2 + tap, i3 = p3 + tap;
            for (let i = 0; i < ci; i++) {
              const s0 = v128.load32_splat(i0);
              const s1 = v128.load32_splat(i1);
              const s2 = v128.load32_splat(i2);
              const s3 = v128.load32_splat(i3);
              const w0 = v128.load(wp);
              a0 = fma(s0, w0, a0);
              a1 = fma(s1, w0, a1);
              a2 = fma(s2, w0, a2);
              a3 = fma(s3, w0, a3);
              if (two) {
                const w1 = v128.load(wp + 16);
                b0 = fma(s0, w1, b0);
                b1 = fma(s1, w1, b1);
                b2 = fma(s2, w1, b2);
                b3 = fma(s3, w1, b3);
              }
              wp += wRow;
              i0 += 4;
              i1 += 4;
              i2 += 4;
              i3 += 4;
            }
          }
        }
        const op = image + <usize>p * out + (<usize>o << 2);
        v128.store(op, a0);
        if (two) v128.store(op + 16, b0);
        if (count > 1) {
          v128.store(op + out, a1);
          if (two) v128.store(op + out + 16, b1);
        }
        if (count > 2) {
          v128.store(op + 2 * out, a2);
          if (two) v128.store(op + 2 * out + 16, b2);
        }
        if (count > 3) {
          v128.store(op + 3 * out, a3);
          if (two) v128.store(op + 3 * out + 16, b3);
        }
      }
    }
  }
}

/**
 * Rows [first, first + rows) of dw [3, 3, ci, co] viewed as [9·ci, co] (row
 * t·ci + i: tap t, input channel i) = Σ over x [n, h, w, ci] and dy
 * [n, h, w, co], "same"; co a multiple of 4; `dw` points at row `first`.
 * With ci a multiple of 4, `first` and `rows` are too. A range of rows is
 * what a kernel thread computes (lib/kernels/threads/): each row's sums are
 * the same whichever range holds it.
 */
export function conv3x3FilterGrad(
  x: usize,
  dy: usize,
  dw: usize,
  pad: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  co: i32,
  first: i32,
  rows: i32,
): void {
  const pixel = <usize>ci << 2;
  const padRow = <usize>(w + 2) * pixel;
  const out = <usize>co << 2;
  memory.fill(dw, 0, <usize>rows * out);
  // Input channels four at a time where ci allows, else one at a time.
  const block = (ci & 3) == 0 ? 4 : 1;
  for (let b = 0; b < n; b++) {
    padImage(x, pad, b, h, w, ci);
    const grad = dy + <usize>b * <usize>h * <usize>w * out;
    for (let row = first; row < first + rows; row += block) {
      const t = row / ci, i = row % ci;
      const ky = t / 3, kx = t % 3;
      for (let o = 0; o < co; o += 8) {
        const two = o + 8 <= co;
        const at = dw + ((<usize>(row - first) * <usize>co + <usize>o) << 2);
        let a0 = v128.load(at), b0 = two ? v128.load(at + 16) : f32x4.splat(0);
        let a1 = f32x4.splat(0), b1 = f32x4.splat(0), a2 = f32x4.splat(0), b2 = f32x4.splat(0);
        let a3 = f32x4.splat(0), b3 = f32x4.splat(0);
        if (block == 4) {
          a1 = v128.load(at + out);
          a2 = v128.load(at + 2 * out);
          a3 = v128.load(at + 3 * out);
          if (two) {
            b1 = v128.load(at + out + 16);
            b2 = v128.load(at + 2 * out + 16);
            b3 = v128.load(at + 3 * out + 16);
          }
        }
        for (let r = 0; r < h; r++) {
          let src = pad + <usize>(r + ky) * padRow + <usize>kx * pixel + (<usize>i << 2);
          let g = grad + <usize>(r * w) * out + (<usize>o << 2);
          for (let c = 0; c < w; c++) {
            const d0 = v128.load(g);
            const s0 = v128.load32_splat(src);
            a0 = fma(s0, d0, a0);
            if (block == 4) {
              const s1 = v128.load32_splat(src + 4);
              const s2 = v128.load32_splat(src + 8);
              const s3 = v128.load32_splat(src + 12);
              a1 = fma(s1, d0, a1);
              a2 = fma(s2, d0, a2);
              a3 = fma(s3, d0, a3);
              if (two) {
                const d1 = v128.load(g + 16);
                b0 = fma(s0, d1, b0);
                b1 = fma(s1, d1, b1);
                b2 = fma(s2, d1, b2);
                b3 = fma(s3, d1, b3);
              }
            } else if (two) {
              b0 = fma(s0, v128.load(g + 16), b0);
            }
            src += pixel;
            g += out;
          }
        }
        v128.store(at, a0);
        if (two) v128.store(at + 16, b0);
        if (block == 4) {
          v128.store(at + out, a1);
          v128.store(at + 2 * out, a2);
          v128.store(at + 3 * out, a3);
          if (two) {
            v128.store(at + out + 16, b1);
            v128.store(at + 2 * out + 16, b2);
            v128.store(at + 3 * out + 16, b3);
          }
        }
      }
    }
  }
}
