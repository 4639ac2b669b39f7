/**
 * Fake quantisation with a straight-through gradient: the training-time twin of int8
 * storage. Forward y = (clamp(round(x/s) + zp, qmin, qmax) − zp)·s; backward passes the
 * gradient through where x lies inside the clip range [(qmin−zp)·s, (qmax−zp)·s] and
 * blocks it outside. Parameters are per tensor or per channel along the last axis.
 *
 * On the wasm and cpu backends the forward and the gradient mask are single-pass JS
 * kernels over the backend's memory (EdgeqFakeQuant, EdgeqFakeQuantGrad); elsewhere the
 * same formula is composed from tf ops.
 */

import * as tf from '@tensorflow/tfjs';
import { hasKernel, JS_KERNEL_BACKENDS, registerJsKernel } from './tensor-bridge.js';

/** Quantiser parameters; `scale`/`zeroPoint` have 1 entry (per tensor) or one per last-axis channel. */
export interface FakeQuantParams {
  scale: ArrayLike<number>;
  zeroPoint: ArrayLike<number>;
  qmin: number;
  qmax: number;
  /**
   * When given (per-tensor only, JS kernels), the forward pass also records the input's
   * min and max here, saving the range observer two reductions over the tensor.
   */
  stats?: { min: number; max: number };
}

/** Kernel names (JS loops here; WebAssembly SIMD in simd-kernels.ts). */
export const FQ = 'EdgeqFakeQuant';
export const FQ_GRAD = 'EdgeqFakeQuantGrad';

/** Kernel attributes of both fake-quant kernels. */
export interface FqAttrs {
  scale: Float64Array;
  zeroPoint: Float64Array;
  qmin: number;
  qmax: number;
  stats?: { min: number; max: number };
}

/**
 * Math.round (halves toward +∞) without calling Math.round, which V8 does not inline here
 * (it costs ~5x a floor). floor(t + 0.5) equals Math.round(t) except where t + 0.5 is
 * inexact (t = 0.5 − 2^−54, or |t| ≥ 2^52); the correction makes it exact for all t the
 * fake-quant passes in (finite, clamped to a few hundred).
 */
function roundHalfUp(t: number): number {
  const r = Math.floor(t + 0.5);
  return r - 0.5 > t ? r - 1 : r;
}

/** Reference loop: y[i] = fake-quant of x[i] with the channel of i (last axis). */
export function fqLoop(x: Float32Array, y: Float32Array, a: FqAttrs): void {
  const c = a.scale.length;
  const { qmin, qmax } = a;
  if (c === 1) {
    const s = a.scale[0];
    const inv = 1 / s;
    const zp = a.zeroPoint[0];
    if (a.stats) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        let q = roundHalfUp(v * inv) + zp;
        q = q < qmin ? qmin : q > qmax ? qmax : q;
        y[i] = (q - zp) * s;
      }
      // NaN fails every comparison: report it so the observer refuses the range.
      a.stats.min = mn === Infinity && x.length ? NaN : mn;
      a.stats.max = mx === -Infinity && x.length ? NaN : mx;
      for (let i = 0; i < x.length; i++) if (x[i] !== x[i]) { a.stats.min = NaN; break; }
      return;
    }
    for (let i = 0; i < x.length; i++) {
      let q = roundHalfUp(x[i] * inv) + zp;
      q = q < qmin ? qmin : q > qmax ? qmax : q;
      y[i] = (q - zp) * s;
    }
    return;
  }
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const s = a.scale[k];
      const zp = a.zeroPoint[k];
      let q = roundHalfUp(x[i + k] / s) + zp;
      q = q < qmin ? qmin : q > qmax ? qmax : q;
      y[i + k] = (q - zp) * s;
    }
  }
}

/** dx[i] = dy[i] where x[i] is inside its channel's clip range, else 0. */
export function fqGradLoop(x: Float32Array, dy: Float32Array, dx: Float32Array, a: FqAttrs): void {
  const c = a.scale.length;
  const lo = new Float64Array(c);
  const hi = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    lo[k] = (a.qmin - a.zeroPoint[k]) * a.scale[k];
    hi[k] = (a.qmax - a.zeroPoint[k]) * a.scale[k];
  }
  if (c === 1) {
    const l = lo[0];
    const h = hi[0];
    for (let i = 0; i < x.length; i++) dx[i] = x[i] >= l && x[i] <= h ? dy[i] : 0;
    return;
  }
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) dx[i + k] = x[i + k] >= lo[k] && x[i + k] <= hi[k] ? dy[i + k] : 0;
  }
}

/**
 * Register the single-pass fake-quant kernels on the wasm and cpu backends, and the
 * straight-through gradient of EdgeqFakeQuant (for every backend that has the kernels).
 */
export function registerFakeQuantKernels(): void {
  tf.registerGradient({
    kernelName: FQ,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({
      x: () => tf.engine().runKernel(FQ_GRAD, { x: saved[0], dy: dy as tf.Tensor }, attrs) as tf.Tensor,
    }),
  });
  for (const b of JS_KERNEL_BACKENDS) {
    if (!tf.findBackendFactory(b)) continue;
    registerJsKernel<FqAttrs>(FQ, b, ['x'], ([x], y, a) => fqLoop(x, y, a));
    registerJsKernel<FqAttrs>(FQ_GRAD, b, ['x', 'dy'], ([x, dy], dx, a) => fqGradLoop(x, dy, dx, a));
  }
}

function toAttrs(p: FakeQuantParams): FqAttrs {
  return { scale: Float64Array.from(p.scale), zeroPoint: Float64Array.from(p.zeroPoint), qmin: p.qmin, qmax: p.qmax, stats: p.stats };
}

function composedForward(x: tf.Tensor, a: FqAttrs): tf.Tensor {
  return tf.tidy(() => {
    const s = tf.tensor1d(Array.from(a.scale), 'float32');
    const zp = tf.tensor1d(Array.from(a.zeroPoint), 'float32');
    const q = tf.clipByValue(tf.add(tf.round(tf.div(x, s)), zp), a.qmin, a.qmax);
    return tf.mul(tf.sub(q, zp), s);
  });
}

function composedGrad(x: tf.Tensor, dy: tf.Tensor, a: FqAttrs): tf.Tensor {
  return tf.tidy(() => {
    const lo = tf.tensor1d(Array.from(a.scale, (s, k) => (a.qmin - a.zeroPoint[k]) * s), 'float32');
    const hi = tf.tensor1d(Array.from(a.scale, (s, k) => (a.qmax - a.zeroPoint[k]) * s), 'float32');
    const inside = tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi));
    return tf.where(inside, dy, tf.zerosLike(dy));
  });
}

/**
 * Fake-quantise `x` (float32) with a straight-through gradient.
 * @param x tensor whose last axis is the channel axis for per-channel parameters
 */
export function fakeQuant<T extends tf.Tensor>(x: T, p: FakeQuantParams): T {
  const a = toAttrs(p);
  const c = a.scale.length;
  if (c !== 1 && x.shape[x.shape.length - 1] !== c) {
    throw new Error(`fakeQuant: ${c} per-channel parameters for a last axis of ${x.shape[x.shape.length - 1]}`);
  }
  if (hasKernel(FQ) && hasKernel(FQ_GRAD) && (!a.stats || c === 1)) {
    // A kernel with a registered gradient: no customGrad wrapper, so no copies of x.
    return tf.engine().runKernel(FQ, { x }, a as unknown as tf.NamedAttrMap) as T;
  }
  const f = tf.customGrad((xi: tf.Tensor | tf.GradSaveFunc, save?: tf.Tensor | tf.GradSaveFunc) => {
    const xt = xi as tf.Tensor;
    (save as tf.GradSaveFunc)([xt]);
    const value = composedForward(xt, a);
    if (a.stats) {
      const [mn, mx] = tf.tidy(() => tf.stack([tf.min(xt), tf.max(xt)]).dataSync());
      a.stats.min = mn;
      a.stats.max = mx;
    }
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => composedGrad(saved[0], dy, a) };
  });
  return f(x) as T;
}
