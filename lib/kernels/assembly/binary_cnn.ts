// AssemblyScript source of the fused training step of the paper's CNN
// (Appendix A.4: conv 6@5×5 → ReLU → max-pool 2 → conv 16@5×5 → ReLU →
// max-pool 2 → fc 120 → ReLU → fc 84 → ReLU → fc 1) for
// lib/kernels/training/binary_cnn_wasm.ts. It is compiled once per input
// geometry, INPUT_SIDE × INPUT_SIDE × INPUT_CHANNELS, given to the compiler
// as constants (`--use INPUT_SIDE=28 --use INPUT_CHANNELS=1`: MNIST;
// 32 and 3: CIFAR-10; scripts/build_wasm_kernels.ts). One call runs the whole forward pass of a
// batch, one call the whole backward pass, instead of ~15 and ~40 tfjs
// kernels (each with its own dispatch, allocation and layout change).
//
// Like the other kernels, it imports the tfjs wasm backend's memory and owns
// no static data: every address is a tensor's byte offset in that memory.
// Weights and gradients are in tfjs's layouts (HWIO filters, [in, out]
// kernels); the activations the backward pass needs are kept in a "tape"
// tensor in layouts of our own (below).
//
// The backward pass uses the sparsity of max pooling: a pooled gradient
// reaches one position of its 2×2 window (the first maximum, tfjs's rule),
// and only if that position's ReLU was active. So the convolutions' gradients
// are accumulated from the ≤ 1/4 of positions that receive one, instead of
// as dense convolutions. Zero gradients are skipped; NaN ones are not (NaN ≠
// 0), so a non-finite loss gradient still reaches every weight's gradient
// (it always reaches the last layer's bias gradient, db5 = Σ dlogits).

// ---- geometry ---------------------------------------------------------------
// @ts-ignore: a compile-time constant (--use)
const S: i32 = INPUT_SIDE; // input side (28, 32)
// @ts-ignore: a compile-time constant (--use)
const CIN: i32 = INPUT_CHANNELS; // input channels (1, 3)
const S1: i32 = S - 4; // conv1 output side (24, 28), a multiple of 4
const Q1: i32 = S1 / 2; // pool1 output side
const S2: i32 = Q1 - 4; // conv2 output side (8, 10), even
const Q2: i32 = S2 / 2; // pool2 output side
const K1: i32 = 5 * CIN; // conv1 taps of one kernel row: 5·CIN consecutive floats
const C1: i32 = 6; // conv1 filters
const C1P: i32 = 8; // conv1 channels as stored: two vectors, lanes 6, 7 zero
const C2: i32 = 16; // conv2 filters
const FLAT: i32 = Q2 * Q2 * C2; // NHWC order (tfjs's reshape)
const N3: i32 = 120;
const N4: i32 = 84;
const K2: i32 = 150; // conv2 taps: 5·5·C1, in HWIO order (kh, kw, ci)
const ROW2: i32 = 30; // the taps of one kernel row: 5·C1 consecutive floats

// ---- the tape, in floats ----------------------------------------------------
// Header: conv1's filters and bias padded to 8 channels. Then per image:
// A1 [S1][S1][8] conv1 after ReLU; P1 [Q1][Q1][6] pooled (+ slack for the
// 8-lane stores); A2 [S2][S2][16] conv2 after ReLU; P2 [FLAT] pooled;
// H3 [120], H4 [84] (+ 4 slack) the dense layers after ReLU; XP [S][XP_ROW]
// the image with rows padded by 4 floats (zeros), so that the backward pass
// can read any 5×5 patch's rows (K1 floats each) as P1_VECTORS whole vectors.
const W1P: i32 = 0;
const B1P: i32 = W1P + 5 * K1 * C1P;
const HEADER: i32 = B1P + C1P;
const XP_ROW: i32 = S * CIN + 4;
const P1_VECTORS: i32 = (K1 + 3) / 4; // 2 for MNIST, 4 for CIFAR-10
const G1_ROW: i32 = 4 * P1_VECTORS; // floats of one kernel row of conv1's gradient
const T_A1: i32 = 0;
const T_P1: i32 = T_A1 + S1 * S1 * C1P;
const T_A2: i32 = T_P1 + Q1 * Q1 * C1 + 16;
const T_P2: i32 = T_A2 + S2 * S2 * C2;
const T_H3: i32 = T_P2 + FLAT;
const T_H4: i32 = T_H3 + N3;
const T_XP: i32 = T_H4 + N4 + 4;
const PER_IMAGE: i32 = T_XP + S * XP_ROW;

// ---- the backward pass's work area, in floats -------------------------------
// W2T [16][150] conv2's filters per output channel; G2T [16][150] their
// gradient; G1T [6][5][G1_ROW] conv1's (kh, kw·CIN + ci; columns ≥ K1 unused);
// G1I [5][G1_ROW] one image's share of one channel's (CIN > 1); DP1 [Q1·Q1·6] (+ slack) the
// gradient at pool1's output; D4 [84] (+ slack), D3 [120] the dense layers'
// pre-activation gradients; GB1 [8], GB2 [16] the conv biases' gradients.
const W_W2T: i32 = 0;
const W_G2T: i32 = W_W2T + C2 * K2;
const W_G1T: i32 = W_G2T + C2 * K2;
const W_G1I: i32 = W_G1T + C1 * 5 * G1_ROW;
const W_DP1: i32 = W_G1I + 5 * G1_ROW;
const W_D4: i32 = W_DP1 + Q1 * Q1 * C1 + 8;
const W_D3: i32 = W_D4 + N4 + 4;
const W_GB1: i32 = W_D3 + N3;
const W_GB2: i32 = W_GB1 + 8;
const WORK: i32 = W_GB2 + C2;

let ZERO: v128 = i32x4.splat(0);

/** Sets the vector constants (see lib/kernels/assembly/vector_math.ts). */
export function initConstants(): void {
  ZERO = f32x4.splat(0);
}

/** Floats of the tape a forward pass of `batch` images writes. */
export function tapeFloats(batch: i32): i32 {
  return HEADER + batch * PER_IMAGE;
}

/** Floats of the backward pass's work area. */
export function workFloats(): i32 {
  return WORK;
}

@inline function at(base: usize, floats: i32): usize {
  return base + (<usize>floats << 2);
}

@inline function fma(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

@inline function relu(v: v128): v128 {
  return f32x4.max(v, ZERO);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

function zero(p: usize, floats: i32): void {
  for (let i = 0; i < floats; i += 4) v128.store(at(p, i), ZERO);
}

// ---- forward ----------------------------------------------------------------

/** conv1 + bias + ReLU: x [S][S][CIN] → A1 [S1][S1][8], four pixels × 8 channels at a time. */
function conv1(x: usize, w: usize, bias: usize, a1: usize): void {
  const blo = v128.load(bias);
  const bhi = v128.load(bias, 16);
  for (let i = 0; i < S1; i++) {
    for (let j = 0; j < S1; j += 4) {
      let l0 = blo, l1 = blo, l2 = blo, l3 = blo;
      let h0 = bhi, h1 = bhi, h2 = bhi, h3 = bhi;
      for (let kh = 0; kh < 5; kh++) {
        const row = at(x, ((i + kh) * S + j) * CIN);
        const wr = at(w, kh * K1 * C1P);
        for (let t = 0; t < K1; t++) {
          const p = row + (<usize>t << 2);
          const q = wr + (<usize>t << 5);
          const wl = v128.load(q);
          const wh = v128.load(q, 16);
          const s0 = v128.load32_splat(p);
          const s1 = v128.load32_splat(p, CIN * 4);
          const s2 = v128.load32_splat(p, CIN * 8);
          const s3 = v128.load32_splat(p, CIN * 12);
          l0 = fma(s0, wl, l0);
          h0 = fma(s0, wh, h0);
          l1 = fma(s1, wl, l1);
          h1 = fma(s1, wh, h1);
          l2 = fma(s2, wl, l2);
          h2 = fma(s2, wh, h2);
          l3 = fma(s3, wl, l3);
          h3 = fma(s3, wh, h3);
        }
      }
      const o = at(a1, (i * S1 + j) * C1P);
      v128.store(o, relu(l0));
      v128.store(o, relu(h0), 16);
      v128.store(o, relu(l1), 32);
      v128.store(o, relu(h1), 48);
      v128.store(o, relu(l2), 64);
      v128.store(o, relu(h2), 80);
      v128.store(o, relu(l3), 96);
      v128.store(o, relu(h3), 112);
    }
  }
}

/** 2×2 max pool: A1 [S1][S1][8] → P1 [Q1][Q1][6] (each pixel's 8-lane store is overwritten by the next). */
function pool1(a1: usize, p1: usize): void {
  const across = <usize>C1P << 2;
  const down = <usize>(S1 * C1P) << 2;
  for (let i = 0; i < Q1; i++) {
    for (let j = 0; j < Q1; j++) {
      const q = at(a1, (2 * i * S1 + 2 * j) * C1P);
      const lo = f32x4.max(
        f32x4.max(v128.load(q), v128.load(q + across)),
        f32x4.max(v128.load(q + down), v128.load(q + down + across)),
      );
      const hi = f32x4.max(
        f32x4.max(v128.load(q, 16), v128.load(q + across, 16)),
        f32x4.max(v128.load(q + down, 16), v128.load(q + down + across, 16)),
      );
      const o = at(p1, (i * Q1 + j) * C1);
      v128.store(o, lo);
      v128.store(o, hi, 16);
    }
  }
}

/** conv2 + bias + ReLU: P1 [Q1][Q1][6] → A2 [S2][S2][16], two pixels × 16 channels at a time. */
function conv2(p1: usize, w: usize, bias: usize, a2: usize): void {
  const b0 = v128.load(bias);
  const b1 = v128.load(bias, 16);
  const b2 = v128.load(bias, 32);
  const b3 = v128.load(bias, 48);
  for (let i = 0; i < S2; i++) {
    for (let j = 0; j < S2; j += 2) {
      let a0 = b0, a1 = b1, a2_ = b2, a3 = b3;
      let c0 = b0, c1 = b1, c2 = b2, c3 = b3;
      for (let kh = 0; kh < 5; kh++) {
        const src = at(p1, ((i + kh) * Q1 + j) * C1);
        const wr = at(w, kh * ROW2 * C2);
        for (let t = 0; t < ROW2; t++) {
          const q = wr + (<usize>t << 6);
          const w0 = v128.load(q);
          const w1 = v128.load(q, 16);
          const w2 = v128.load(q, 32);
          const w3 = v128.load(q, 48);
          const p = src + (<usize>t << 2);
          const s0 = v128.load32_splat(p);
          const s1 = v128.load32_splat(p, C1 << 2);
          a0 = fma(s0, w0, a0);
          a1 = fma(s0, w1, a1);
          a2_ = fma(s0, w2, a2_);
          a3 = fma(s0, w3, a3);
          c0 = fma(s1, w0, c0);
          c1 = fma(s1, w1, c1);
          c2 = fma(s1, w2, c2);
          c3 = fma(s1, w3, c3);
        }
      }
      const o = at(a2, (i * S2 + j) * C2);
      v128.store(o, relu(a0));
      v128.store(o, relu(a1), 16);
      v128.store(o, relu(a2_), 32);
      v128.store(o, relu(a3), 48);
      v128.store(o, relu(c0), 64);
      v128.store(o, relu(c1), 80);
      v128.store(o, relu(c2), 96);
      v128.store(o, relu(c3), 112);
    }
  }
}

/** 2×2 max pool: A2 [S2][S2][16] → P2 [Q2][Q2][16] (= tfjs's flattened order). */
function pool2(a2: usize, p2: usize): void {
  const across = <usize>C2 << 2;
  const down = <usize>(S2 * C2) << 2;
  for (let i = 0; i < Q2; i++) {
    for (let j = 0; j < Q2; j++) {
      const q = at(a2, (2 * i * S2 + 2 * j) * C2);
      const o = at(p2, (i * Q2 + j) * C2);
      for (let v: usize = 0; v < 64; v += 16) {
        v128.store(
          o + v,
          f32x4.max(
            f32x4.max(v128.load(q + v), v128.load(q + across + v)),
            f32x4.max(v128.load(q + down + v), v128.load(q + down + across + v)),
          ),
        );
      }
    }
  }
}

/** out = ReLU(bias + x·W) for W [nIn][nOut], nOut a multiple of 12, three vectors at a time. */
function denseRelu(x: usize, w: usize, bias: usize, nIn: i32, nOut: i32, out: usize): void {
  const stride = <usize>nOut << 2;
  for (let o = 0; o < nOut; o += 12) {
    let a0 = v128.load(at(bias, o));
    let a1 = v128.load(at(bias, o + 4));
    let a2 = v128.load(at(bias, o + 8));
    let q = at(w, o);
    for (let k = 0; k < nIn; k++) {
      const s = v128.load32_splat(at(x, k));
      a0 = fma(s, v128.load(q), a0);
      a1 = fma(s, v128.load(q, 16), a1);
      a2 = fma(s, v128.load(q, 32), a2);
      q += stride;
    }
    v128.store(at(out, o), relu(a0));
    v128.store(at(out, o + 4), relu(a1));
    v128.store(at(out, o + 8), relu(a2));
  }
}

/** Σ a[k]·b[k] over n floats, n a multiple of 4. */
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = ZERO;
  for (let k = 0; k < n; k += 4) acc = fma(v128.load(at(a, k)), v128.load(at(b, k)), acc);
  return hsum(acc);
}

/**
 * The forward pass of `batch` images x [batch, S, S, CIN]: writes the logits
 * [batch, 1] and the tape ({@link tapeFloats} floats) the backward pass reads.
 */
export function cnnForward(
  x: usize,
  w1: usize,
  b1: usize,
  w2: usize,
  b2: usize,
  w3: usize,
  b3: usize,
  w4: usize,
  b4: usize,
  w5: usize,
  b5: usize,
  logits: usize,
  tape: usize,
  batch: i32,
): void {
  const w1p = at(tape, W1P);
  const b1p = at(tape, B1P);
  for (let t = 0; t < 5 * K1; t++) {
    for (let c = 0; c < C1P; c++) {
      store<f32>(at(w1p, t * C1P + c), c < C1 ? load<f32>(at(w1, t * C1 + c)) : 0);
    }
  }
  for (let c = 0; c < C1P; c++) store<f32>(at(b1p, c), c < C1 ? load<f32>(at(b1, c)) : 0);
  const bias5 = load<f32>(b5);
  for (let b = 0; b < batch; b++) {
    const t = at(tape, HEADER + b * PER_IMAGE);
    const xb = at(x, b * S * S * CIN);
    const xp = at(t, T_XP);
    for (let r = 0; r < S; r++) {
      const src = at(xb, r * S * CIN);
      const dst = at(xp, r * XP_ROW);
      for (let k = 0; k < S * CIN; k += 4) v128.store(at(dst, k), v128.load(at(src, k)));
      v128.store(at(dst, S * CIN), ZERO);
    }
    conv1(xb, w1p, b1p, at(t, T_A1));
    pool1(at(t, T_A1), at(t, T_P1));
    conv2(at(t, T_P1), w2, b2, at(t, T_A2));
    pool2(at(t, T_A2), at(t, T_P2));
    denseRelu(at(t, T_P2), w3, b3, FLAT, N3, at(t, T_H3));
    denseRelu(at(t, T_H3), w4, b4, N3, N4, at(t, T_H4));
    store<f32>(at(logits, b), bias5 + dot(at(t, T_H4), w5, N4));
  }
}

// ---- backward ---------------------------------------------------------------

/** dst[0..n) += g·src[0..n), n ≥ 0 (vectors, then scalars). */
@inline function axpy(dst: usize, src: usize, g: v128, n: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const d = at(dst, k);
    v128.store(d, fma(g, v128.load(at(src, k)), v128.load(d)));
  }
  const gs = f32x4.extract_lane(g, 0);
  for (; k < n; k++) {
    const d = at(dst, k);
    store<f32>(d, load<f32>(d) + gs * load<f32>(at(src, k)));
  }
}

/**
 * Which of a 2×2 window's positions (0: top left, 1: top right, 2: bottom
 * left, 3: bottom right) first holds its maximum `best`: tfjs's MaxPoolGrad
 * gives the pooled gradient to the first position strictly above all before it.
 */
@inline function winnerOf(p: usize, across: usize, down: usize, best: f32): i32 {
  // Without branches (the winner is random; mispredictions cost more).
  const third = select<i32>(2, 3, load<f32>(p + down) == best);
  const second = select<i32>(1, third, load<f32>(p + across) == best);
  return select<i32>(0, second, load<f32>(p) == best);
}

/**
 * One image's pool1 → conv1 step for CIN > 1: for each channel, the pooled
 * units that pass a gradient add g × their winner's 5×5×CIN input patch
 * (rows of K1 floats in XP, read as P1_VECTORS vectors) into G1I, which is
 * then added to G1T, and g to the bias gradient.
 */
function conv1Backward(
  a1: usize,
  p1: usize,
  dp1: usize,
  xp: usize,
  gb1: usize,
  g1t: usize,
  g1i: usize,
): void {
  for (let c = 0; c < C1; c++) {
    zero(g1i, 5 * G1_ROW);
    let gsum: f32 = 0;
    for (let i = 0; i < Q1; i++) {
      for (let j = 0; j < Q1; j++) {
        const k = (i * Q1 + j) * C1 + c;
        const v = load<f32>(at(p1, k));
        const g = load<f32>(at(dp1, k));
        if (v == 0 || g == 0) continue;
        const w = winnerOf(at(a1, (2 * i * S1 + 2 * j) * C1P + c), C1P << 2, (S1 * C1P) << 2, v);
        const p = at(xp, (2 * i + (w >> 1)) * XP_ROW + (2 * j + (w & 1)) * CIN);
        const gv = f32x4.splat(g);
        gsum += g;
        for (let kh = 0; kh < 5; kh++) {
          const src = p + <usize>(kh * XP_ROW * 4);
          const dst = at(g1i, kh * G1_ROW);
          for (let v = 0; v < G1_ROW; v += 4) {
            v128.store(at(dst, v), fma(gv, v128.load(at(src, v)), v128.load(at(dst, v))));
          }
        }
      }
    }
    store<f32>(at(gb1, c), load<f32>(at(gb1, c)) + gsum);
    const o = at(g1t, c * 5 * G1_ROW);
    for (let v = 0; v < 5 * G1_ROW; v += 4) {
      v128.store(at(o, v), f32x4.add(v128.load(at(o, v)), v128.load(at(g1i, v))));
    }
  }
}

/**
 * The backward pass: from dlogits [batch, 1] and the tape of the forward
 * pass (which holds the images too), writes the ten weight gradients in the weights' layouts.
 * `work`: {@link workFloats} floats of scratch.
 */
export function cnnBackward(
  dlogits: usize,
  tape: usize,
  w2: usize,
  w3: usize,
  w4: usize,
  w5: usize,
  work: usize,
  dw1: usize,
  db1: usize,
  dw2: usize,
  db2: usize,
  dw3: usize,
  db3: usize,
  dw4: usize,
  db4: usize,
  dw5: usize,
  db5: usize,
  batch: i32,
): void {
  const w2t = at(work, W_W2T);
  const g2t = at(work, W_G2T);
  const g1t = at(work, W_G1T);
  const dp1 = at(work, W_DP1);
  const d4 = at(work, W_D4);
  const d3 = at(work, W_D3);
  const gb1 = at(work, W_GB1);
  const gb2 = at(work, W_GB2);
  for (let k = 0; k < K2; k++) {
    for (let c = 0; c < C2; c++) store<f32>(at(w2t, c * K2 + k), load<f32>(at(w2, k * C2 + c)));
  }
  zero(g2t, C2 * K2);
  zero(g1t, C1 * 5 * G1_ROW);
  zero(gb1, 8);
  zero(gb2, 16);
  zero(dw3, FLAT * N3);
  zero(db3, N3);
  zero(dw4, N3 * N4);
  zero(db4, N4);
  zero(dw5, N4);
  let gBias5: f32 = 0;
  for (let b = 0; b < batch; b++) {
    const t = at(tape, HEADER + b * PER_IMAGE);
    const h4 = at(t, T_H4);
    const h3 = at(t, T_H3);
    const p2 = at(t, T_P2);
    const a2 = at(t, T_A2);
    const p1 = at(t, T_P1);
    const a1 = at(t, T_A1);
    // fc3: logit = b5 + H4·w5.
    const g5s = load<f32>(at(dlogits, b));
    const g5 = f32x4.splat(g5s);
    gBias5 += g5s;
    axpy(dw5, h4, g5, N4);
    for (let k = 0; k < N4; k += 4) {
      const active = f32x4.gt(v128.load(at(h4, k)), ZERO);
      v128.store(at(d4, k), v128.and(f32x4.mul(g5, v128.load(at(w5, k))), active));
    }
    // fc2: H4 = ReLU(b4 + H3·W4).
    axpy(db4, d4, f32x4.splat(1), N4);
    for (let k = 0; k < N3; k++) {
      const h = load<f32>(at(h3, k));
      if (h == 0) {
        store<f32>(at(d3, k), 0);
        continue;
      }
      axpy(at(dw4, k * N4), d4, f32x4.splat(h), N4);
      store<f32>(at(d3, k), dot(at(w4, k * N4), d4, N4));
    }
    // fc1: H3 = ReLU(b3 + P2·W3).
    axpy(db3, d3, f32x4.splat(1), N3);
    // pool2 → conv2 → pool1: each pooled unit that is positive passes its
    // gradient to its window's winner, whose 5×5×6 input patch and filter
    // take it.
    zero(dp1, Q1 * Q1 * C1 + 8);
    for (let k = 0; k < FLAT; k++) {
      const v = load<f32>(at(p2, k));
      if (v == 0) continue;
      axpy(at(dw3, k * N3), d3, f32x4.splat(v), N3);
      const g = dot(at(w3, k * N3), d3, N3);
      if (g == 0) continue;
      const c = k & (C2 - 1);
      const pixel = k / C2;
      const i = 2 * (pixel / Q2);
      const j = 2 * (pixel % Q2);
      const w = winnerOf(at(a2, (i * S2 + j) * C2 + c), C2 << 2, (S2 * C2) << 2, v);
      const r = i + (w >> 1);
      const s = j + (w & 1);
      store<f32>(at(gb2, c), load<f32>(at(gb2, c)) + g);
      const gv = f32x4.splat(g);
      for (let kh = 0; kh < 5; kh++) {
        const patch = ((r + kh) * Q1 + s) * C1;
        axpy(at(g2t, c * K2 + kh * ROW2), at(p1, patch), gv, ROW2);
        axpy(at(dp1, patch), at(w2t, c * K2 + kh * ROW2), gv, ROW2);
      }
    }
    // pool1 → conv1: the same with conv1's 5×5 input patches, one channel
    // at a time, its 5×8 patch sums in registers (columns 5–7 unused); with
    // several input channels, its 5×G1_ROW patch sums in G1I.
    const xp = at(t, T_XP);
    if (CIN > 1) {
      conv1Backward(a1, p1, dp1, xp, gb1, g1t, at(work, W_G1I));
      continue;
    }
    for (let c = 0; c < C1; c++) {
      let r0 = ZERO, r1 = ZERO, r2 = ZERO, r3 = ZERO, r4 = ZERO;
      let q0 = ZERO, q1 = ZERO, q2 = ZERO, q3 = ZERO, q4 = ZERO;
      let gsum: f32 = 0;
      for (let i = 0; i < Q1; i++) {
        for (let j = 0; j < Q1; j++) {
          const k = (i * Q1 + j) * C1 + c;
          const v = load<f32>(at(p1, k));
          const g = load<f32>(at(dp1, k));
          if (v == 0 || g == 0) continue;
          const w = winnerOf(at(a1, (2 * i * S1 + 2 * j) * C1P + c), C1P << 2, (S1 * C1P) << 2, v);
          const p = at(xp, (2 * i + (w >> 1)) * XP_ROW + 2 * j + (w & 1));
          const gv = f32x4.splat(g);
          gsum += g;
          r0 = fma(gv, v128.load(p), r0);
          q0 = fma(gv, v128.load(p, 16), q0);
          r1 = fma(gv, v128.load(p, XP_ROW * 4), r1);
          q1 = fma(gv, v128.load(p, XP_ROW * 4 + 16), q1);
          r2 = fma(gv, v128.load(p, XP_ROW * 8), r2);
          q2 = fma(gv, v128.load(p, XP_ROW * 8 + 16), q2);
          r3 = fma(gv, v128.load(p, XP_ROW * 12), r3);
          q3 = fma(gv, v128.load(p, XP_ROW * 12 + 16), q3);
          r4 = fma(gv, v128.load(p, XP_ROW * 16), r4);
          q4 = fma(gv, v128.load(p, XP_ROW * 16 + 16), q4);
        }
      }
      store<f32>(at(gb1, c), load<f32>(at(gb1, c)) + gsum);
      const o = at(g1t, c * 5 * G1_ROW);
      v128.store(o, f32x4.add(v128.load(o), r0));
      v128.store(o, f32x4.add(v128.load(o, 16), q0), 16);
      v128.store(o, f32x4.add(v128.load(o, 32), r1), 32);
      v128.store(o, f32x4.add(v128.load(o, 48), q1), 48);
      v128.store(o, f32x4.add(v128.load(o, 64), r2), 64);
      v128.store(o, f32x4.add(v128.load(o, 80), q2), 80);
      v128.store(o, f32x4.add(v128.load(o, 96), r3), 96);
      v128.store(o, f32x4.add(v128.load(o, 112), q3), 112);
      v128.store(o, f32x4.add(v128.load(o, 128), r4), 128);
      v128.store(o, f32x4.add(v128.load(o, 144), q4), 144);
    }
  }
  store<f32>(db5, gBias5);
  for (let t = 0; t < 5 * K1; t++) {
    const g = at(g1t, (t / K1) * G1_ROW + t % K1);
    for (let c = 0; c < C1; c++) {
      store<f32>(at(dw1, t * C1 + c), load<f32>(at(g, c * 5 * G1_ROW)));
    }
  }
  for (let c = 0; c < C1; c++) store<f32>(at(db1, c), load<f32>(at(gb1, c)));
  for (let k = 0; k < K2; k++) {
    for (let c = 0; c < C2; c++) store<f32>(at(dw2, k * C2 + c), load<f32>(at(g2t, c * K2 + k)));
  }
  for (let c = 0; c < C2; c++) store<f32>(at(db2, c), load<f32>(at(gb2, c)));
}
