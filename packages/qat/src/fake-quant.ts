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

/** Quantiser parameters; `scale`/`zeroPoint` have 1 entry (per tensor) or one per last-axis channel. */
export interface FakeQuantParams {
  scale: ArrayLike<number>;
  zeroPoint: ArrayLike<number>;
  qmin: number;
  qmax: number;
}

const FQ = 'EdgeqFakeQuant';
const FQ_GRAD = 'EdgeqFakeQuantGrad';

interface FqAttrs {
  scale: Float64Array;
  zeroPoint: Float64Array;
  qmin: number;
  qmax: number;
}

/** Reference loop: y[i] = fake-quant of x[i] with the channel of i (last axis). */
function fqLoop(x: Float32Array, y: Float32Array, a: FqAttrs): void {
  const c = a.scale.length;
  const { qmin, qmax } = a;
  if (c === 1) {
    const s = a.scale[0];
    const inv = 1 / s;
    const zp = a.zeroPoint[0];
    for (let i = 0; i < x.length; i++) {
      let q = Math.round(x[i] * inv) + zp;
      q = q < qmin ? qmin : q > qmax ? qmax : q;
      y[i] = (q - zp) * s;
    }
    return;
  }
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const s = a.scale[k];
      const zp = a.zeroPoint[k];
      let q = Math.round(x[i + k] / s) + zp;
      q = q < qmin ? qmin : q > qmax ? qmax : q;
      y[i + k] = (q - zp) * s;
    }
  }
}

/** dx[i] = dy[i] where x[i] is inside its channel's clip range, else 0. */
function fqGradLoop(x: Float32Array, dy: Float32Array, dx: Float32Array, a: FqAttrs): void {
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

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}
interface CpuLike {
  data: { get(id: object): { values: tf.TypedArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
}

function registerJsKernels(backendName: 'wasm' | 'cpu'): void {
  for (const name of [FQ, FQ_GRAD]) if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
  const run = (inputs: tf.TensorInfo[], backend: unknown, body: (ins: Float32Array[], out: Float32Array) => void): tf.TensorInfo => {
    const shape = inputs[0].shape;
    if (backendName === 'wasm') {
      const b = backend as WasmLike;
      const out = b.makeOutput(shape, 'float32'); // allocate first: heap growth would detach earlier views
      body(inputs.map((t) => b.typedArrayFromHeap(t) as Float32Array), b.typedArrayFromHeap(out) as Float32Array);
      return out;
    }
    const b = backend as CpuLike;
    const out = new Float32Array(tf.util.sizeFromShape(shape));
    body(inputs.map((t) => b.data.get(t.dataId).values as Float32Array), out);
    return b.makeTensorInfo(shape, 'float32', out);
  };
  tf.registerKernel({
    kernelName: FQ,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => run([inputs.x!], backend, ([x], y) => fqLoop(x, y, attrs as unknown as FqAttrs)),
  });
  tf.registerKernel({
    kernelName: FQ_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) =>
      run([inputs.x!, inputs.dy!], backend, ([x, dy], dx) => fqGradLoop(x, dy, dx, attrs as unknown as FqAttrs)),
  });
}

/** Register the single-pass fake-quant kernels on the wasm and cpu backends. */
export function registerFakeQuantKernels(): void {
  for (const b of ['wasm', 'cpu'] as const) if (tf.findBackendFactory(b)) registerJsKernels(b);
}

function toAttrs(p: FakeQuantParams): FqAttrs {
  return { scale: Float64Array.from(p.scale), zeroPoint: Float64Array.from(p.zeroPoint), qmin: p.qmin, qmax: p.qmax };
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

function hasJsKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
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
  const f = tf.customGrad((xi: tf.Tensor | tf.GradSaveFunc, save?: tf.Tensor | tf.GradSaveFunc) => {
    const xt = xi as tf.Tensor;
    (save as tf.GradSaveFunc)([xt]);
    const value = hasJsKernel(FQ)
      ? (tf.engine().runKernel(FQ, { x: xt }, a as unknown as tf.NamedAttrMap) as tf.Tensor)
      : composedForward(xt, a);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        hasJsKernel(FQ_GRAD)
          ? (tf.engine().runKernel(FQ_GRAD, { x: saved[0], dy }, a as unknown as tf.NamedAttrMap) as tf.Tensor)
          : composedGrad(saved[0], dy, a),
    };
  });
  return f(x) as T;
}
