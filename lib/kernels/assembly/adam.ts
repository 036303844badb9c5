// AssemblyScript source of one Adam update (Kingma & Ba), for
// lib/kernels/adam_wasm.ts: exactly the float32 operations of tfjs's
// AdamOptimizer, in its order and with no fused multiply-add, so that the
// result is the one tf.train.adam computes, in one pass instead of ~12 kernels
// per variable. Like the other kernels, it imports the tfjs wasm backend's
// memory and owns no static data.

/** No vector constants here; the loader calls this for every module. */
export function initConstants(): void {}

/**
 * m' = β1·m + (1 − β1)·g;  v' = β2·v + (1 − β2)·g²;
 * θ' = −lr · (m'/(1 − β1ᵗ)) / (√(v'/(1 − β2ᵗ)) + ε) + θ,
 * for n floats; β1ᵗ and β2ᵗ are read from the scalars at acc1 and acc2.
 */
export function adamStep(
  theta: usize,
  m: usize,
  v: usize,
  g: usize,
  thetaOut: usize,
  mOut: usize,
  vOut: usize,
  n: i32,
  acc1: usize,
  acc2: usize,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  negLr: f32,
  epsilon: f32,
): void {
  const c1: f32 = <f32>1 - load<f32>(acc1);
  const c2: f32 = <f32>1 - load<f32>(acc2);
  const b1 = f32x4.splat(beta1);
  const a1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const a2 = f32x4.splat(oneMinusBeta2);
  const d1 = f32x4.splat(c1);
  const d2 = f32x4.splat(c2);
  const lr = f32x4.splat(negLr);
  const eps = f32x4.splat(epsilon);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gi, a1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gi, gi), a2));
    const step = f32x4.div(f32x4.div(mi, d1), f32x4.add(f32x4.sqrt(f32x4.div(vi, d2)), eps));
    v128.store(mOut + o, mi);
    v128.store(vOut + o, vi);
    v128.store(thetaOut + o, f32x4.add(f32x4.mul(step, lr), v128.load(theta + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const vi = load<f32>(v + o) * beta2 + (gi * gi) * oneMinusBeta2;
    const step = (mi / c1) / (Mathf.sqrt(vi / c2) + epsilon);
    store<f32>(mOut + o, mi);
    store<f32>(vOut + o, vi);
    store<f32>(thetaOut + o, step * negLr + load<f32>(theta + o));
  }
}
