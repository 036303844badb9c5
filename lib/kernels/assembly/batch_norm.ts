// AssemblyScript source of BatchNorm in training mode, optionally followed by
// a ReLU, for the U-Net (lib/kernels/training/batch_norm_wasm.ts): over x of
// m rows (the batch's pixels) of c channels, channels-last, the formulas of
// lib/models/_batch_norm.ts:
//   μ = Σx/m, σ² = Σ(x − μ)²/m, r = 1/√(σ² + ε), x̂ = (x − μ)·r,
//   z = γ·x̂ + β, y = relu ? max(z, 0) : z;
// and its gradient, from dy, x, μ, r (x̂ is recomputed, not stored):
//   g = relu ? dy·[z > 0] : dy, ∂β = Σg, ∂γ = Σg·x̂,
//   ∂x = γ·r·(g − ∂β/m − x̂·∂γ/m).
// Four channels at a time (f32x4) where c is a multiple of 4, one at a time
// otherwise; per-channel sums in float32 over the rows, in row order. Like the
// other kernels, it imports the tfjs wasm backend's memory and owns no static
// data: the per-channel sums are accumulated in the outputs of c floats.

/** No vector constants here; the loader calls this for every module. */
export function initConstants(): void {}

/** Sets n floats at p to 0. */
// @ts-ignore: decorator
@inline function zero(p: usize, n: i32): void {
  for (let j = 0; j < n; j++) store<f32>(p + (<usize>j << 2), 0);
}

/** Forward: writes y [m, c], mean [c] and rstd [c]. */
export function batchNormForward(
  x: usize,
  gamma: usize,
  beta: usize,
  y: usize,
  mean: usize,
  rstd: usize,
  m: i32,
  c: i32,
  epsilon: f32,
  relu: i32,
): void {
  const stride = <usize>c << 2;
  const vector = (c & 3) == 0;
  const inv = <f32>1 / <f32>m;
  // Σx, then μ.
  zero(mean, c);
  for (let r = 0; r < m; r++) {
    const row = x + <usize>r * stride;
    if (vector) {
      for (let j = 0; j < c; j += 4) {
        const o = <usize>j << 2;
        v128.store(mean + o, f32x4.add(v128.load(mean + o), v128.load(row + o)));
      }
    } else {
      for (let j = 0; j < c; j++) {
        const o = <usize>j << 2;
        store<f32>(mean + o, load<f32>(mean + o) + load<f32>(row + o));
      }
    }
  }
  for (let j = 0; j < c; j++) store<f32>(mean + (<usize>j << 2), load<f32>(mean + (<usize>j << 2)) * inv);
  // Σ(x − μ)², then r.
  zero(rstd, c);
  for (let r = 0; r < m; r++) {
    const row = x + <usize>r * stride;
    if (vector) {
      for (let j = 0; j < c; j += 4) {
        const o = <usize>j << 2;
        const d = f32x4.sub(v128.load(row + o), v128.load(mean + o));
        v128.store(rstd + o, f32x4.add(v128.load(rstd + o), f32x4.mul(d, d)));
      }
    } else {
      for (let j = 0; j < c; j++) {
        const o = <usize>j << 2;
        const d = load<f32>(row + o) - load<f32>(mean + o);
        store<f32>(rstd + o, load<f32>(rstd + o) + d * d);
      }
    }
  }
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    store<f32>(rstd + o, <f32>1 / Mathf.sqrt(load<f32>(rstd + o) * inv + epsilon));
  }
  // y = γ·(x − μ)·r + β, through the ReLU when asked.
  const zeros = f32x4.splat(0);
  for (let r = 0; r < m; r++) {
    const row = x + <usize>r * stride;
    const out = y + <usize>r * stride;
    if (vector) {
      for (let j = 0; j < c; j += 4) {
        const o = <usize>j << 2;
        const xhat = f32x4.mul(f32x4.sub(v128.load(row + o), v128.load(mean + o)), v128.load(rstd + o));
        let z = f32x4.add(f32x4.mul(xhat, v128.load(gamma + o)), v128.load(beta + o));
        if (relu != 0) z = f32x4.max(z, zeros);
        v128.store(out + o, z);
      }
    } else {
      for (let j = 0; j < c; j++) {
        const o = <usize>j << 2;
        const xhat = (load<f32>(row + o) - load<f32>(mean + o)) * load<f32>(rstd + o);
        let z = xhat * load<f32>(gamma + o) + load<f32>(beta + o);
        if (relu != 0 && z < 0) z = 0;
        store<f32>(out + o, z);
      }
    }
  }
}

/**
 * Backward: writes dx [m, c], dgamma [c] and dbeta [c] from dy, x and the
 * forward pass's mean and rstd.
 */
export function batchNormBackward(
  dy: usize,
  x: usize,
  mean: usize,
  rstd: usize,
  gamma: usize,
  beta: usize,
  dx: usize,
  dgamma: usize,
  dbeta: usize,
  m: i32,
  c: i32,
  relu: i32,
): void {
  const stride = <usize>c << 2;
  const vector = (c & 3) == 0;
  const inv = <f32>1 / <f32>m;
  const zeros = f32x4.splat(0);
  zero(dgamma, c);
  zero(dbeta, c);
  // ∂β = Σg, ∂γ = Σg·x̂, with g = dy where z = γ·x̂ + β > 0 (relu), else dy.
  for (let r = 0; r < m; r++) {
    const row = x + <usize>r * stride;
    const drow = dy + <usize>r * stride;
    if (vector) {
      for (let j = 0; j < c; j += 4) {
        const o = <usize>j << 2;
        const xhat = f32x4.mul(f32x4.sub(v128.load(row + o), v128.load(mean + o)), v128.load(rstd + o));
        let g = v128.load(drow + o);
        if (relu != 0) {
          const z = f32x4.add(f32x4.mul(xhat, v128.load(gamma + o)), v128.load(beta + o));
          g = v128.and(g, f32x4.gt(z, zeros));
        }
        v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), g));
        v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(g, xhat)));
      }
    } else {
      for (let j = 0; j < c; j++) {
        const o = <usize>j << 2;
        const xhat = (load<f32>(row + o) - load<f32>(mean + o)) * load<f32>(rstd + o);
        let g = load<f32>(drow + o);
        if (relu != 0 && !(xhat * load<f32>(gamma + o) + load<f32>(beta + o) > 0)) g = 0;
        store<f32>(dbeta + o, load<f32>(dbeta + o) + g);
        store<f32>(dgamma + o, load<f32>(dgamma + o) + g * xhat);
      }
    }
  }
  // ∂x = γ·r·(g − ∂β/m − x̂·∂γ/m).
  const invV = f32x4.splat(inv);
  for (let r = 0; r < m; r++) {
    const row = x + <usize>r * stride;
    const drow = dy + <usize>r * stride;
    const out = dx + <usize>r * stride;
    if (vector) {
      for (let j = 0; j < c; j += 4) {
        const o = <usize>j << 2;
        const rs = v128.load(rstd + o);
        const gm = v128.load(gamma + o);
        const xhat = f32x4.mul(f32x4.sub(v128.load(row + o), v128.load(mean + o)), rs);
        let g = v128.load(drow + o);
        if (relu != 0) {
          g = v128.and(g, f32x4.gt(f32x4.add(f32x4.mul(xhat, gm), v128.load(beta + o)), zeros));
        }
        const inner = f32x4.sub(
          f32x4.sub(g, f32x4.mul(v128.load(dbeta + o), invV)),
          f32x4.mul(xhat, f32x4.mul(v128.load(dgamma + o), invV)),
        );
        v128.store(out + o, f32x4.mul(f32x4.mul(gm, rs), inner));
      }
    } else {
      for (let j = 0; j < c; j++) {
        const o = <usize>j << 2;
        const rs = load<f32>(rstd + o);
        const gm = load<f32>(gamma + o);
        const xhat = (load<f32>(row + o) - load<f32>(mean + o)) * rs;
        let g = load<f32>(drow + o);
        if (relu != 0 && !(xhat * gm + load<f32>(beta + o) > 0)) g = 0;
        const inner = g - load<f32>(dbeta + o) * inv - xhat * (load<f32>(dgamma + o) * inv);
        store<f32>(out + o, gm * rs * inner);
      }
    }
  }
}
