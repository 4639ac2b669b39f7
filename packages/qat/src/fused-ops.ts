/**
 * Fused activation ops with hand-written gradients: {@link clampAct} is ReLU / ReLU6
 * whose gradient is one masking pass (JS kernel on the wasm and cpu backends) instead
 * of tfjs's composed LessEqual/Cast/Step/Multiply chain. Elsewhere it falls back to
 * tf.relu / tf.relu6. Checked against tfjs's own gradients in test/fused-ops.test.ts.
 */

import * as tf from '@tensorflow/tfjs';
import type { FusedActivation } from '@edgeq/ir';
import { hasKernel, JS_KERNEL_BACKENDS, registerJsKernel } from './tensor-bridge.js';

const CLAMP_GRAD = 'EdgeqClampActGrad';

/** Upper clamp of a fused activation (Infinity for RELU and NONE). */
function actHigh(act: FusedActivation): number {
  return act === 'RELU6' ? 6 : Infinity;
}
/** Lower clamp of a fused activation (−Infinity for NONE). */
function actLow(act: FusedActivation): number {
  return act === 'NONE' ? -Infinity : 0;
}

/** dx = dy where lo < y < hi, else 0 (y is the clamped output). */
function clampGradLoop([y, dy]: Float32Array[], dx: Float32Array, a: { lo: number; hi: number }): void {
  const { lo, hi } = a;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    dx[i] = v <= lo || v >= hi ? 0 : dy[i];
  }
}

/** Register the fused-op kernels on the wasm and cpu backends. */
export function registerFusedOpKernels(): void {
  for (const b of JS_KERNEL_BACKENDS) {
    if (!tf.findBackendFactory(b)) continue;
    registerJsKernel<{ lo: number; hi: number }>(CLAMP_GRAD, b, ['y', 'dy'], clampGradLoop);
  }
}

function applyAct(y: tf.Tensor, act: FusedActivation): tf.Tensor {
  if (act === 'RELU') return tf.relu(y);
  if (act === 'RELU6') return tf.relu6(y);
  return y;
}

/**
 * ReLU / ReLU6 (NONE passes through) with a single-pass gradient: dx = dy where the
 * output lies strictly inside the clamp range. At exactly 0 or 6 the gradient is 0,
 * as tfjs's own ReLU gradient at 0 (tfjs passes it at 6; a measure-zero difference).
 */
export function clampAct(x: tf.Tensor, act: FusedActivation): tf.Tensor {
  if (act === 'NONE') return x;
  if (!hasKernel(CLAMP_GRAD)) return applyAct(x, act);
  const attrs = { lo: actLow(act), hi: actHigh(act) };
  const f = tf.customGrad((xi: tf.Tensor | tf.GradSaveFunc, save?: tf.Tensor | tf.GradSaveFunc) => {
    const y = applyAct(xi as tf.Tensor, act);
    (save as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(CLAMP_GRAD, { y: saved[0], dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  });
  return f(x);
}
