/**
 * Identity, and Cast to the dtype a tensor already has, on the wasm backend without a
 * copy. While recording gradients tfjs saves the tensors a kernel's gradient needs by
 * cloning them (Identity), and passes gradients back through each clone with a
 * float32 → float32 Cast; the wasm backend copies the whole tensor in both (about 190 +
 * 50 activation-sized copies per dscnn QAT step). Tensors are immutable (a variable's
 * assign swaps its data rather than writing into it), so sharing the data under a raised
 * reference count, as wasm's Reshape and the cpu backend's Identity do, gives the same
 * values for no copy.
 */

import * as tf from '@tensorflow/tfjs';

interface RefCounted {
  incRef(dataId: object): void;
}

let registered = false;

/** The input itself, its data shared (reference count raised). */
function share(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as unknown as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** Replace `kernelName` on wasm with `kernelFunc`, which may fall back to the original kernel. */
function replace(kernelName: string, kernelFunc: (args: Parameters<tf.KernelFunc>[0], original: tf.KernelFunc) => tf.TensorInfo): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) return;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: (args) => kernelFunc(args, original.kernelFunc) });
}

/** Make the wasm backend's Identity and same-dtype Cast share data (idempotent; after importing the backend). */
export function registerSharedIdentity(): void {
  if (registered || !tf.getKernel(tf.Identity, 'wasm')) return;
  registered = true;
  replace(tf.Identity, (args, original) => ((args.inputs.x as tf.TensorInfo).dtype === 'string' ? (original(args) as tf.TensorInfo) : share(args)));
  replace(tf.Cast, (args, original) => ((args.inputs.x as tf.TensorInfo).dtype === (args.attrs as { dtype: string }).dtype ? share(args) : (original(args) as tf.TensorInfo)));
}
