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

/** Register (or replace) a kernel implemented with tf ops on wrapped inputs. */
export function registerOpKernel(
  kernelName: string,
  backendName: string,
  fn: (inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.Tensor,
): void {
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as unknown as RefCounted;
      const wrapped: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(inputs)) if (v) wrapped[k] = wrap(v, b);
      const out = tf.tidy(() => fn(wrapped, (attrs ?? {}) as Record<string, unknown>));
      for (const t of Object.values(wrapped)) t.dispose();
      return unwrap(out, b);
    },
  });
}
