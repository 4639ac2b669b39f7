// edgeq's WebAssembly SIMD training kernels (wasm/edgeq_train_kernels.c) against their
// definitions: fake-quant bit for bit against the JS loops (ties, clip bounds, tails,
// NaN), and the fused batch norm + activation (SIMD on wasm, JS on cpu) against the
// same formula written with plain tf ops and differentiated by tfjs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { FusedActivation } from '@edgeq/ir';
import { initBackend } from '../src/backend.js';
import { fakeQuant, fqGradLoop, fqLoop, type FqAttrs } from '../src/fake-quant.js';
import { batchNormAct } from '../src/fused-ops.js';
import { simdKernelsLoaded } from '../src/simd-kernels.js';
import { mulberry32 } from '../src/random.js';
import { relErr } from './support/rel-err.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function randoms(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + r() * (hi - lo));
}

describe('SIMD fake-quant equals the JS loops bit for bit', () => {
  const s = 0.0235;
  const zp = -7;
  const attrs = (stats?: { min: number; max: number }): FqAttrs =>
    ({ scale: Float64Array.of(s), zeroPoint: Float64Array.of(zp), qmin: -128, qmax: 127, stats });
  // Random values, exact half steps (ties), the clip bounds and their float32 neighbours; odd length for the scalar tail.
  const lo = (-128 - zp) * s;
  const hi = (127 - zp) * s;
  const special = [lo, hi, Math.fround(lo), Math.fround(hi), ...Array.from({ length: 40 }, (_, k) => (k - 20 + 0.5) * s)];
  const near = special.flatMap((v) => {
    const f = new Float32Array([v, v, v]);
    const bits = new Int32Array(f.buffer);
    bits[1] += 1;
    bits[2] -= 1;
    return Array.from(f);
  });
  const values = Float32Array.from([...randoms(997, 3, -4, 4), ...near]);

  it('runs on the SIMD kernels', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(simdKernelsLoaded()).toBe(true);
  });

  it('forward and range statistics', () => {
    const want = new Float32Array(values.length);
    const wantStats = { min: 0, max: 0 };
    fqLoop(values, want, attrs(wantStats));
    const stats = { min: 0, max: 0 };
    const got = tf.tidy(() => fakeQuant(tf.tensor1d(values), { scale: [s], zeroPoint: [zp], qmin: -128, qmax: 127, stats }).dataSync());
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(stats).toEqual(wantStats);
    expect(stats.min).toBe(Math.min(...values));
  });

  it('NaN in the input makes the statistics NaN', () => {
    const v = Float32Array.from(values.subarray(0, 13));
    v[5] = NaN;
    const stats = { min: 0, max: 0 };
    tf.tidy(() => fakeQuant(tf.tensor1d(v), { scale: [s], zeroPoint: [zp], qmin: -128, qmax: 127, stats }).dataSync());
    expect(stats.min).toBeNaN();
    expect(stats.max).toBeNaN();
  });

  it('straight-through gradient at the clip bounds', () => {
    const dy = randoms(values.length, 9, 0.5, 1.5);
    const want = new Float32Array(values.length);
    fqGradLoop(values, dy, want, attrs());
    const got = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(fakeQuant(x, { scale: [s], zeroPoint: [zp], qmin: -128, qmax: 127 }), tf.tensor1d(dy))))(tf.tensor1d(values)).dataSync());
    expect(Array.from(got)).toEqual(Array.from(want));
    // Both sides of each bound are among the values, so the mask is exercised both ways.
    expect(want.some((v, i) => v === 0 && Math.abs(values[i] - lo) < 1e-6)).toBe(true);
    expect(want.some((v, i) => v !== 0 && Math.abs(values[i] - lo) < 1e-6)).toBe(true);
  });
});

/** The definition: plain tf ops (moments, rsqrt, relu/relu6), differentiated by tfjs. */
function reference(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, e: tf.Tensor, act: FusedActivation): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, e))), g), b);
  return act === 'RELU' ? tf.relu(y) : act === 'RELU6' ? tf.relu6(y) : y;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused batch norm + activation on ${backend} matches tf ops and their gradients`, () => {
    const shapes: number[][] = [[4, 6, 6, 16], [3, 5, 7, 10], [64, 3]];
    for (const shape of shapes) {
      for (const act of ['NONE', 'RELU', 'RELU6'] as const) {
        it(`${JSON.stringify(shape)} ${act}`, async () => {
          await tf.setBackend(backend);
          const c = shape[shape.length - 1];
          const n = shape.reduce((a, d) => a * d, 1);
          const seed = n + c;
          const x = tf.tensor(randoms(n, seed, -2, 5), shape);
          const g = tf.tensor1d(randoms(c, seed + 1, 0.5, 3));
          const b = tf.tensor1d(randoms(c, seed + 2, -1, 2));
          const e = tf.tensor1d(randoms(c, seed + 3, 1e-3, 0.5));
          const dy = tf.tensor(randoms(n, seed + 4, -1, 1), shape);
          let stats: { mean: Float64Array; variance: Float64Array } | undefined;
          const fused = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, ee: tf.Tensor) => {
            const r = batchNormAct(xx, gg, bb, ee, act);
            stats = r.stats;
            return tf.sum(tf.mul(r.y, dy));
          };
          const plain = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, ee: tf.Tensor) => tf.sum(tf.mul(reference(xx, gg, bb, ee, act), dy));
          const got = tf.grads(fused)([x, g, b, e]).map((t) => t.dataSync());
          const want = tf.grads(plain)([x, g, b, e]).map((t) => t.dataSync());
          const yGot = batchNormAct(x, g, b, e, act).y.dataSync();
          const yWant = reference(x, g, b, e, act).dataSync();
          expect(relErr(yGot, yWant)).toBeLessThanOrEqual(1e-5);
          ['dx', 'dγ', 'dβ', 'dε'].forEach((name, k) => {
            expect(relErr(got[k], want[k]), name).toBeLessThanOrEqual(1e-4);
          });
          const m = tf.moments(x, shape.slice(0, -1).map((_, i) => i));
          expect(relErr(stats!.mean, m.mean.dataSync())).toBeLessThanOrEqual(1e-5);
          expect(relErr(stats!.variance, m.variance.dataSync())).toBeLessThanOrEqual(1e-5);
          await tf.setBackend('wasm');
        });
      }
    }
  });
}
