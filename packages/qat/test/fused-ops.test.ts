// clampAct (ReLU/ReLU6 with a one-pass gradient kernel) against tfjs's own relu/relu6
// and their gradients, on the wasm backend edgeq trains on; globalAvgPool bit for bit
// against tf.mean over height and width and its gradient (SIMD on wasm, JS loops on cpu).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { clampAct, GAP, globalAvgPool } from '../src/fused-ops.js';
import { mulberry32 } from '../src/random.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('clampAct', () => {
  // Values on both sides of 0 and 6, avoiding the exact kinks where the two gradients
  // legitimately differ (tfjs passes the gradient at exactly 6, clampAct does not).
  const r = mulberry32(5);
  const xv = Float32Array.from({ length: 4 * 5 * 5 * 3 }, () => r() * 10 - 3);
  const dyv = Float32Array.from(xv, () => r() * 2 - 1);

  for (const [act, ref] of [['RELU', tf.relu], ['RELU6', tf.relu6]] as const) {
    it(`${act}: same forward and gradient as tf.${act.toLowerCase()}`, () => {
      const x = tf.tensor4d(xv, [4, 5, 5, 3]);
      const dy = tf.tensor4d(dyv, [4, 5, 5, 3]);
      const fused = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(clampAct(t, act), dy)))(x).dataSync();
      const plain = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(ref(t), dy)))(x).dataSync();
      expect(Array.from(clampAct(x, act).dataSync())).toEqual(Array.from(ref(x).dataSync()));
      // (tfjs multiplies by a 0/1 mask and so yields −0 where dy < 0; +0 here.)
      const noSignedZero = (a: ArrayLike<number>) => Array.from(a, (v) => v + 0);
      expect(noSignedZero(fused)).toEqual(noSignedZero(plain));
      // The mask is real: inside (0, hi) the gradient is dy, outside it is 0.
      const hi = act === 'RELU6' ? 6 : Infinity;
      xv.forEach((v, i) => expect(fused[i]).toBe(v > 0 && v < hi ? dyv[i] : 0));
    });
  }

  it('NONE is the identity', () => {
    const x = tf.tensor1d([-1, 0, 7]);
    expect(clampAct(x, 'NONE')).toBe(x);
  });
});

describe('globalAvgPool', () => {
  // 37 channels: the 16-, 4- and 1-channel paths of the SIMD kernel; 1×9: a pooled 1-D sequence.
  const shapes: [number, number, number, number][] = [[3, 7, 7, 37], [2, 1, 9, 5], [4, 3, 5, 16]];
  /** Forward and input gradient (for output gradient dy) of `pool` on the current backend. */
  const run = (pool: (t: tf.Tensor) => tf.Tensor, xv: Float32Array, dyv: Float32Array, shape: [number, number, number, number]) => tf.tidy(() => {
    const x = tf.tensor4d(xv, shape);
    const dy = tf.tensor2d(dyv, [shape[0], shape[3]]);
    const y = pool(x);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), dy)))(x);
    return { shape: y.shape, y: Array.from(y.dataSync()), dx: Array.from(dx.dataSync()) };
  });
  // The reference is tfjs's Mean on wasm (the training backend): the cpu backend's own Mean
  // rounds differently, and edgeq's JS kernels there follow wasm's bits.
  for (const backend of ['wasm', 'cpu']) {
    for (const shape of shapes) {
      it(`${backend} ${JSON.stringify(shape)}: the bits of tf.mean(x, [1, 2]) on wasm and of its gradient`, async () => {
        const r = mulberry32(shape[3]);
        const xv = Float32Array.from({ length: shape.reduce((a, d) => a * d) }, () => r() * 8 - 2);
        const dyv = Float32Array.from({ length: shape[0] * shape[3] }, () => r() * 2 - 1);
        await tf.setBackend('wasm');
        const want = run((t) => tf.mean(t, [1, 2]), xv, dyv, shape);
        await tf.setBackend(backend);
        try {
          expect(tf.getKernel(GAP, backend)).toBeDefined();
          const got = run(globalAvgPool, xv, dyv, shape);
          expect(got.shape).toEqual([shape[0], shape[3]]);
          expect(got.y).toEqual(want.y);
          expect(got.dx).toEqual(want.dx);
          // Not vacuous: every pixel's gradient is dy / (h·w).
          expect(got.dx[0]).toBe(Math.fround(dyv[0] / (shape[1] * shape[2])));
        } finally {
          await tf.setBackend('wasm');
        }
      });
    }
  }
});
