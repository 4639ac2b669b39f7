/**
 * Fused training ops with hand-written gradients, so that the autodiff of a
 * conv → BatchNormalization (batch statistics) → ReLU/ReLU6 block is a few single-pass
 * loops instead of a dozen small reductions and element-wise kernels:
 *
 *  - {@link batchNormAct}: y = act(γ·(x − μ)/√(σ² + ε) + β) over the last (channel)
 *    axis with batch statistics μ, σ² (biased), reporting μ and σ² for the moving
 *    averages. ε is a per-channel tensor so that QAT's folded form (ε·f²) gets its
 *    gradient too.
 *  - {@link clampAct}: ReLU / ReLU6 with a one-pass gradient mask.
 *  - {@link globalAvgPool}: the mean over height and width, bit for bit tfjs's tf.mean
 *    over axes 1, 2, with a one-pass gradient (tfjs's gradient of Mean builds a ones tensor
 *    of the input's size in JS and multiplies and divides by it).
 *
 * Kernels: on the wasm backend the WebAssembly SIMD ones of simd-kernels.ts (when
 * built), on the cpu backend the JS loops below; without kernels the ops are composed
 * from tf ops and differentiated by tfjs (JS loops lose to tfjs's own wasm kernels, so
 * they are not used on wasm). test/fused-ops.test.ts checks all paths against tf ops.
 *
 * In a data-parallel training worker (replica-sync.ts) both kernels normalise with the
 * statistics of the whole batch across replicas (synchronised BN): the forward pass
 * gathers each replica's count, Σx and Σ(x − μ_local)² ({@link replicaMoments}), the
 * backward pass sums Σg and Σg·(x − μ) over replicas ({@link replicaGradSums}).
 */

import * as tf from '@tensorflow/tfjs';
import type { FusedActivation } from '@edgeq/ir';
import { hasKernel, registerJsKernel } from './tensor-bridge.js';
import { currentReplicaGroup } from './replica-sync.js';

/** Kernel names of the fused ops (implemented here in JS and in simd-kernels.ts). */
export const BN_FWD = 'EdgeqBatchNormAct';
export const BN_GRAD = 'EdgeqBatchNormActGrad';
export const CLAMP = 'EdgeqClampAct';
export const CLAMP_GRAD = 'EdgeqClampActGrad';
export const GAP = 'EdgeqGlobalAvgPool';
export const GAP_GRAD = 'EdgeqGlobalAvgPoolGrad';

/** Attributes of the global-average-pool kernels: the NHWC input's shape. */
export interface GapAttrs {
  inputShape: number[];
}

/** Upper clamp of a fused activation (Infinity for RELU and NONE). */
export function actHigh(act: FusedActivation): number {
  return act === 'RELU6' ? 6 : Infinity;
}
/** Lower clamp of a fused activation (−Infinity for NONE). */
export function actLow(act: FusedActivation): number {
  return act === 'NONE' ? -Infinity : 0;
}

/** Batch statistics a {@link batchNormAct} forward pass reports, per channel. */
export interface BatchStats {
  mean: Float64Array;
  /** Biased (divide by the element count) variance. */
  variance: Float64Array;
}

/** Attributes of the forward kernel; `stats` and `inv` are outputs. */
export interface BnFwdAttrs {
  lo: number;
  hi: number;
  /** Filled by the forward kernel. */
  stats: BatchStats;
  /** 1/√(σ² + ε) per channel, filled by the forward kernel for the gradient. */
  inv: Float64Array;
  /** Elements per channel the statistics are over (all replicas'), filled by the forward kernel. */
  count: number;
}

/** Attributes of the gradient kernel; `sumG` and `sumGX` are outputs. */
export interface BnGradAttrs {
  lo: number;
  hi: number;
  mean: Float64Array;
  inv: Float64Array;
  /** Elements per channel of the forward statistics (all replicas'). */
  count: number;
  /** In a data-parallel worker: this replica's Σ g and Σ g·(x − μ) before the sums over replicas. */
  localSumG?: Float64Array;
  localSumGX?: Float64Array;
  /** Filled by the gradient kernel: Σ g, Σ g·x̂ per channel (g = dy masked by the activation). */
  sumG: Float64Array;
  sumGX: Float64Array;
}

/** Per-channel inv = 1/√(σ² + ε) (into a.inv) and the affine scale γ·inv. */
export function bnScale(variance: ArrayLike<number>, eps: ArrayLike<number>, gamma: ArrayLike<number>, a: BnFwdAttrs): Float64Array {
  const c = gamma.length;
  const scale = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    // σ² + ε is 0 only for a constant channel with ε = 0 (QAT's ε·f² with γ = 0): its x̂ is
    // 0/0; taking it as 0 gives y = β, what the unfolded BN gives with γ = 0.
    const d = variance[k] + eps[k];
    a.inv[k] = d > 0 ? 1 / Math.sqrt(d) : 0;
    scale[k] = gamma[k] * a.inv[k];
  }
  return scale;
}

/**
 * Batch statistics over every replica of a data-parallel step, into a.stats and a.count,
 * from this replica's `m` elements per channel, their Σx and Σ(x − c)² about `center`
 * (its local mean as the kernel used it). Combined in replica order with
 * Σ(x − μ)² = Σ(x − c)² + 2(c − μ)(Σx − m·c) + m(c − μ)² per replica, in float64.
 * Without a replica group the local statistics are the batch's.
 * @returns whether a replica group combined them
 */
export function replicaMoments(m: number, sum: ArrayLike<number>, sqAboutCenter: ArrayLike<number>, center: ArrayLike<number>, a: BnFwdAttrs): boolean {
  const group = currentReplicaGroup();
  a.count = m;
  if (!group) return false;
  const c = center.length;
  const local = new Float64Array(1 + 3 * c);
  local[0] = m;
  for (let k = 0; k < c; k++) {
    local[1 + k] = sum[k];
    local[1 + c + k] = sqAboutCenter[k];
    local[1 + 2 * c + k] = center[k];
  }
  const parts = group.allGather(local);
  const total = parts.reduce((n, p) => n + p[0], 0);
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (const p of parts) s += p[1 + k];
    const mean = s / total;
    let sq = 0;
    for (const p of parts) {
      const d = p[1 + 2 * c + k] - mean;
      sq += p[1 + c + k] + 2 * d * (p[1 + k] - p[0] * p[1 + 2 * c + k]) + p[0] * d * d;
    }
    a.stats.mean[k] = Math.fround(mean);
    a.stats.variance[k] = Math.fround(Math.max(0, sq / total));
  }
  a.count = total;
  return true;
}

/** In a data-parallel worker: Σg and Σg·(x − μ) (a.sumG, a.sumGX) summed over the replicas in replica order. */
export function replicaGradSums(a: BnGradAttrs): void {
  const group = currentReplicaGroup();
  if (!group) return;
  const c = a.sumG.length;
  a.localSumG = a.sumG.slice();
  a.localSumGX = a.sumGX.slice();
  const local = new Float64Array(2 * c);
  local.set(a.sumG);
  local.set(a.sumGX, c);
  const sum = group.sumSmall(local);
  a.sumG.set(sum.subarray(0, c));
  a.sumGX.set(sum.subarray(c));
}

/**
 * Coefficients of dx = k1·(g − k2 − (x − μ)·k3) from the per-channel sums Σg, Σg·(x − μ)
 * over m elements; turns a.sumGX into Σg·x̂ (what dγ is).
 */
export function bnGradCoefficients(gamma: ArrayLike<number>, m: number, a: BnGradAttrs): { k1: Float64Array; k2: Float64Array; k3: Float64Array } {
  const c = gamma.length;
  const k1 = new Float64Array(c);
  const k2 = new Float64Array(c);
  const k3 = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    a.sumGX[k] *= a.inv[k];
    k1[k] = gamma[k] * a.inv[k];
    k2[k] = a.sumG[k] / m;
    k3[k] = (a.sumGX[k] / m) * a.inv[k];
  }
  return { k1, k2, k3 };
}

function bnForwardLoop([x, gamma, beta, eps]: Float32Array[], y: Float32Array, a: BnFwdAttrs): void {
  const c = gamma.length;
  const m = x.length / c;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) for (let k = 0; k < c; k++) sum[k] += x[i + k];
  const mean = a.stats.mean;
  for (let k = 0; k < c; k++) mean[k] = sum[k] / m;
  // Second pass for the variance: the one-pass E[x²] − μ² loses digits when |μ| ≫ σ.
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const d = x[i + k] - mean[k];
      sq[k] += d * d;
    }
  }
  for (let k = 0; k < c; k++) a.stats.variance[k] = sq[k] / m;
  replicaMoments(m, sum, sq, Float64Array.from(mean), a);
  const scale = bnScale(a.stats.variance, eps, gamma, a);
  const { lo, hi } = a;
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const v = (x[i + k] - mean[k]) * scale[k] + beta[k];
      y[i + k] = v < lo ? lo : v > hi ? hi : v;
    }
  }
}

/**
 * dx of batchNormAct: with g = dy where lo < y < hi (else 0) and x̂ = (x − μ)·inv,
 * dx = γ·inv·(g − Σg/M − x̂·Σ(g·x̂)/M). The per-channel sums go to the attrs for dγ, dβ, dε.
 */
function bnGradLoop([x, y, dy, gamma]: Float32Array[], dx: Float32Array, a: BnGradAttrs): void {
  const c = gamma.length;
  const m = x.length / c;
  const { lo, hi, mean, sumG, sumGX } = a;
  sumG.fill(0);
  sumGX.fill(0);
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const yv = y[i + k];
      if (yv <= lo || yv >= hi) continue;
      const g = dy[i + k];
      sumG[k] += g;
      sumGX[k] += g * (x[i + k] - mean[k]);
    }
  }
  replicaGradSums(a);
  const { k1, k2, k3 } = bnGradCoefficients(gamma, a.count, a);
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const yv = y[i + k];
      const g = yv <= lo || yv >= hi ? 0 : dy[i + k];
      dx[i + k] = k1[k] * (g - k2[k] - (x[i + k] - mean[k]) * k3[k]);
    }
  }
}

/** y = clamp(x, lo, hi). */
function clampLoop([x]: Float32Array[], y: Float32Array, a: { lo: number; hi: number }): void {
  const { lo, hi } = a;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

/** dx = dy where lo < y < hi, else 0 (y is the clamped output). */
function clampGradLoop([y, dy]: Float32Array[], dx: Float32Array, a: { lo: number; hi: number }): void {
  const { lo, hi } = a;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    dx[i] = v <= lo || v >= hi ? 0 : dy[i];
  }
}

/**
 * y[b, k] = (Σ over the h·w pixels of x[b, ·, ·, k], from zero in pixel order) / (h·w) in
 * float32: the order and rounding of tfjs's Mean (and of the SIMD kernel).
 */
export function gapLoop([x]: Float32Array[], y: Float32Array, a: GapAttrs): void {
  const [n, h, w, c] = a.inputShape;
  const pixels = h * w;
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let p = 0; p < pixels; p++) s = Math.fround(s + x[(b * pixels + p) * c + k]);
      y[b * c + k] = Math.fround(s / pixels);
    }
  }
}

/** dx[b, ·, ·, k] = dy[b, k] / (h·w) in float32 (what tfjs's gradient of Mean gives). */
export function gapGradLoop([dy]: Float32Array[], dx: Float32Array, a: GapAttrs): void {
  const [n, h, w, c] = a.inputShape;
  const pixels = h * w;
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      const g = Math.fround(dy[b * c + k] / pixels);
      for (let p = 0; p < pixels; p++) dx[(b * pixels + p) * c + k] = g;
    }
  }
}

/**
 * Register the JS kernels on the cpu backend (on wasm the SIMD kernels of
 * simd-kernels.ts take their place, or the ops are composed from tfjs's kernels) and
 * the gradients of the fused ops (for every backend that has their kernels).
 */
export function registerFusedOpKernels(): void {
  if (tf.findBackendFactory('cpu')) {
    registerJsKernel<BnFwdAttrs>(BN_FWD, 'cpu', ['x', 'gamma', 'beta', 'eps'], bnForwardLoop);
    registerJsKernel<BnGradAttrs>(BN_GRAD, 'cpu', ['x', 'y', 'dy', 'gamma'], bnGradLoop);
    registerJsKernel<{ lo: number; hi: number }>(CLAMP, 'cpu', ['x'], clampLoop);
    registerJsKernel<{ lo: number; hi: number }>(CLAMP_GRAD, 'cpu', ['y', 'dy'], clampGradLoop);
    registerJsKernel<GapAttrs>(GAP, 'cpu', ['x'], gapLoop, ([[n, , , c]]) => [n, c]);
    registerJsKernel<GapAttrs>(GAP_GRAD, 'cpu', ['dy'], gapGradLoop, (_, a) => a.inputShape);
  }
  tf.registerGradient({ kernelName: BN_FWD, inputsToSave: ['x', 'gamma'], outputsToSave: [true], gradFunc: batchNormActGrad });
  tf.registerGradient({
    kernelName: CLAMP,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => ({
      x: () => tf.engine().runKernel(CLAMP_GRAD, { y: saved[0], dy: dy as tf.Tensor }, attrs) as tf.Tensor,
    }),
  });
  tf.registerGradient({
    kernelName: GAP,
    gradFunc: (dy, _saved, attrs) => ({
      x: () => tf.engine().runKernel(GAP_GRAD, { dy: dy as tf.Tensor }, attrs) as tf.Tensor,
    }),
  });
}

function applyAct(y: tf.Tensor, act: FusedActivation): tf.Tensor {
  if (act === 'RELU') return tf.relu(y);
  if (act === 'RELU6') return tf.relu6(y);
  return y;
}

/** The same op composed from tf ops (backends without the JS kernels); tfjs differentiates it. */
function composedBatchNormAct(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: tf.Tensor, act: FusedActivation, stats: BatchStats): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const mean = tf.mean(x, axes);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axes);
  stats.mean.set(mean.dataSync());
  stats.variance.set(variance.dataSync());
  const d = tf.add(variance, eps);
  const inv = tf.where(tf.greater(d, 0), tf.rsqrt(d), tf.zerosLike(d)); // as bnScale: 0 where σ² + ε = 0
  return applyAct(tf.add(tf.mul(centered, tf.mul(gamma, inv)), beta), act);
}

/**
 * Batch normalisation with batch statistics followed by a fused activation, over the
 * last axis of `x`: y = act(γ·(x − μ)/√(σ² + ε) + β). Differentiable in x, γ, β and ε.
 * @param eps per-channel ε (a tensor so QAT's ε·f², which depends on γ, gets its gradient)
 * @returns y, and the batch mean and biased variance of `x` per channel
 */
export function batchNormAct(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: tf.Tensor, act: FusedActivation): { y: tf.Tensor; stats: BatchStats } {
  const c = x.shape[x.shape.length - 1];
  const stats: BatchStats = { mean: new Float64Array(c), variance: new Float64Array(c) };
  if (!hasKernel(BN_FWD) || !hasKernel(BN_GRAD)) {
    if (currentReplicaGroup()) throw new Error('data-parallel training needs edgeq\'s fused batch-norm kernels (wasm SIMD or cpu), which this backend lacks');
    return { y: composedBatchNormAct(x, gamma, beta, eps, act, stats), stats };
  }
  const attrs: BnFwdAttrs = { lo: actLow(act), hi: actHigh(act), stats, inv: new Float64Array(c), count: 0 };
  const y = tf.engine().runKernel(BN_FWD, { x, gamma, beta, eps }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  return { y, stats };
}

/** Gradient of EdgeqBatchNormAct: dx from the gradient kernel, dγ, dβ, dε from its per-channel sums. */
function batchNormActGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const [x, gamma, y] = saved;
  const f = attrs as unknown as BnFwdAttrs;
  const c = gamma.shape[0];
  const a: BnGradAttrs = { lo: f.lo, hi: f.hi, mean: f.stats.mean, inv: f.inv, count: f.count, sumG: new Float64Array(c), sumGX: new Float64Array(c) };
  const dx = tf.engine().runKernel(BN_GRAD, { x, y, dy: dy as tf.Tensor, gamma }, a as unknown as tf.NamedAttrMap) as tf.Tensor;
  const gv = gamma.dataSync();
  // In a data-parallel worker dx needs the whole batch's sums, but dγ, dβ, dε are this
  // replica's share (the gradient all-reduce adds the shares up).
  const sumGX = a.localSumGX ? a.localSumGX.map((v, k) => v * a.inv[k]) : a.sumGX;
  const sumG = a.localSumG ?? a.sumG;
  // dε = Σ g·γ·∂x̂/∂ε with ∂x̂/∂ε = −x̂·inv²/2 (a.sumGX is Σ g·x̂ after the kernel).
  const dEps = Float32Array.from(sumGX, (v, k) => -0.5 * gv[k] * a.inv[k] * a.inv[k] * v);
  return {
    x: () => dx,
    gamma: () => tf.tensor1d(Float32Array.from(sumGX)),
    beta: () => tf.tensor1d(Float32Array.from(sumG)),
    eps: () => tf.tensor1d(dEps),
  };
}

/**
 * ReLU / ReLU6 (NONE passes through) with a single-pass gradient: dx = dy where the
 * output lies strictly inside the clamp range. At exactly 0 or 6 the gradient is 0,
 * as tfjs's own ReLU gradient at 0 (tfjs passes it at 6; a measure-zero difference).
 * Without the kernels (wasm without the SIMD module, other backends) it is tf.relu/relu6.
 */
export function clampAct(x: tf.Tensor, act: FusedActivation): tf.Tensor {
  if (act === 'NONE') return x;
  if (!hasKernel(CLAMP) || !hasKernel(CLAMP_GRAD)) return applyAct(x, act);
  return tf.engine().runKernel(CLAMP, { x }, { lo: actLow(act), hi: actHigh(act) }) as tf.Tensor;
}

/**
 * Global average pooling of an NHWC tensor: the mean over height and width, [n, c]. The
 * same bits as tf.mean(x, [1, 2]) forward and backward (test/fused-ops.test.ts), in one
 * kernel each way. Without the kernels it is tf.mean.
 */
export function globalAvgPool(x: tf.Tensor): tf.Tensor {
  if (x.rank !== 4 || !hasKernel(GAP) || !hasKernel(GAP_GRAD)) return tf.mean(x, [1, 2]);
  const attrs: GapAttrs = { inputShape: x.shape.slice() };
  return tf.engine().runKernel(GAP, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
