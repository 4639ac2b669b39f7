// clampAct (ReLU/ReLU6 with a one-pass gradient kernel) against tfjs's own relu/relu6
// and their gradients, on the wasm backend edgeq trains on.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { clampAct } from '../src/fused-ops.js';
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
