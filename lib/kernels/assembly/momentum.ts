// AssemblyScript source of one SGD-with-momentum update, for
// lib/kernels/momentum_wasm.ts: exactly the float32 operations of tfjs's
// MomentumOptimizer (without Nesterov), in its order and with no fused
// multiply-add, so that the result is the one tf.train.momentum computes, in
// one pass instead of ~4 kernels per variable. It is PyTorch's update as well
// (torch.optim.SGD, dampening 0): v ← μ·v + g, θ ← θ − lr·v, where −lr·v is
// computed as (−lr)·v, which rounds the same. Like the other kernels, it
// imports the tfjs wasm backend's memory and owns no static data.

/** No vector constants here; the loader calls this for every module. */
export function initConstants(): void {}

/** v' = μ·v + g;  θ' = (−lr)·v' + θ, for n floats. */
export function momentumStep(
  theta: usize,
  v: usize,
  g: usize,
  thetaOut: usize,
  vOut: usize,
  n: i32,
  momentum: f32,
  negLr: f32,
): void {
  const mu = f32x4.splat(momentum);
  const lr = f32x4.splat(negLr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), mu), v128.load(g + o));
    v128.store(vOut + o, vi);
    v128.store(thetaOut + o, f32x4.add(f32x4.mul(vi, lr), v128.load(theta + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const vi = load<f32>(v + o) * momentum + load<f32>(g + o);
    store<f32>(vOut + o, vi);
    store<f32>(thetaOut + o, vi * negLr + load<f32>(theta + o));
  }
}
