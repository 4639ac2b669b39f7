/**
 * Bridge between kernel-level TensorInfos and tf Tensors, for kernels we register in
 * terms of other tf ops. Wrapping raises the backend reference count so that disposing
 * the wrapper does not free the kernel's input; unwrapping keeps the result's data alive
 * for the engine, which adopts it as the kernel output.
 */

import * as tf from '@tensorflow/tfjs';

interface RefCounted {
  incRef(dataId: object): void;
}

/** A tf Tensor viewing a kernel input (safe to dispose). */
export function wrap(info: tf.TensorInfo, backend: RefCounted): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Hand a tensor computed inside a kernel back to the engine as the kernel's output. */
export function unwrap(t: tf.Tensor, backend: RefCounted): tf.TensorInfo {
  backend.incRef(t.dataId);
  const info: tf.TensorInfo = { dataId: t.dataId, shape: t.shape.slice(), dtype: t.dtype };
  t.dispose();
  return info;
}

/** A kernel function implemented with tf ops on wrapped inputs. */
export function composedKernel(fn: (inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.Tensor): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const b = backend as unknown as RefCounted;
    const wrapped: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) if (v) wrapped[k] = wrap(v, b);
    const out = tf.tidy(() => fn(wrapped, (attrs ?? {}) as Record<string, unknown>));
    for (const t of Object.values(wrapped)) t.dispose();
    return unwrap(out, b);
  };
}

/** Register (or replace) a kernel implemented with tf ops on wrapped inputs. */
export function registerOpKernel(
  kernelName: string,
  backendName: string,
  fn: (inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.Tensor,
): void {
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc: composedKernel(fn) });
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}
interface CpuLike {
  data: { get(id: object): { values: tf.TypedArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
}

/** Backends whose float32 tensor memory a JS loop can read and write directly. */
export const JS_KERNEL_BACKENDS = ['wasm', 'cpu'] as const;
export type JsKernelBackend = (typeof JS_KERNEL_BACKENDS)[number];

/**
 * Register (or replace) a single-pass JS kernel on the wasm or cpu backend: `body` gets
 * the float32 data of the named inputs (in `inputNames` order) and fills the output,
 * whose shape is `outShape(inputShapes, attrs)` (default: the first input's). On wasm the
 * arrays are views of the module heap: the output is allocated before any view is
 * taken, since heap growth would detach earlier views.
 */
export function registerJsKernel<A>(
  kernelName: string,
  backendName: JsKernelBackend,
  inputNames: readonly string[],
  body: (inputs: Float32Array[], out: Float32Array, attrs: A) => void,
  outShape: (inputShapes: number[][], attrs: A) => number[] = (s) => s[0],
): void {
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const infos = inputNames.map((n) => {
        const t = inputs[n];
        if (!t) throw new Error(`${kernelName}: missing input ${n}`);
        if (t.dtype !== 'float32') throw new Error(`${kernelName}: input ${n} is ${t.dtype}, expected float32`);
        return t;
      });
      const a = attrs as unknown as A;
      const shape = outShape(infos.map((t) => t.shape), a);
      if (backendName === 'wasm') {
        const b = backend as unknown as WasmLike;
        const out = b.makeOutput(shape, 'float32');
        body(infos.map((t) => b.typedArrayFromHeap(t) as Float32Array), b.typedArrayFromHeap(out) as Float32Array, a);
        return out;
      }
      const b = backend as unknown as CpuLike;
      const out = new Float32Array(tf.util.sizeFromShape(shape));
      body(infos.map((t) => b.data.get(t.dataId).values as Float32Array), out, a);
      return b.makeTensorInfo(shape, 'float32', out);
    },
  });
}

/** A float32 kernel output holding `values`, on the cpu or wasm backend (JS kernels with several outputs). */
export function floatOutput(backend: unknown, backendName: JsKernelBackend, shape: number[], values: Float32Array): tf.TensorInfo {
  if (backendName === 'wasm') {
    const b = backend as WasmLike;
    const out = b.makeOutput(shape, 'float32');
    (b.typedArrayFromHeap(out) as Float32Array).set(values);
    return out;
  }
  return (backend as CpuLike).makeTensorInfo(shape, 'float32', values);
}

/** Whether the current backend has the named kernel (i.e. JS kernels are registered there). */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
