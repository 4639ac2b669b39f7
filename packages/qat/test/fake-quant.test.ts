// Fake-quant forward = quantise-dequantise, straight-through gradient zero outside the
// clip range, power-of-two scales exact, dead channels exported with usable scales.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { exactLog2 } from '@edgeq/ir';
import { initBackend } from '../src/backend.js';
import { fakeQuant } from '../src/fake-quant.js';
import { activationQuant, weightScales } from '../src/quant-params.js';
import { mulberry32 } from '../src/random.js';

/** Independent scalar quantise → dequantise (the definition, not the kernel). */
function qdq(x: number, s: number, zp: number, qmin: number, qmax: number): number {
  const q = Math.min(qmax, Math.max(qmin, Math.round(x / s) + zp));
  return Math.fround((q - zp) * s);
}

const values = (() => {
  const r = mulberry32(7);
  return Float32Array.from({ length: 600 }, () => (r() - 0.4) * 8);
})();

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fake-quant on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend('wasm');
      await tf.setBackend(backend);
    });

    it('forward equals quantise-dequantise, per tensor', () => {
      const s = 0.03;
      const zp = -30;
      const y = tf.tidy(() => fakeQuant(tf.tensor1d(values), { scale: [s], zeroPoint: [zp], qmin: -128, qmax: 127 }).dataSync());
      values.forEach((v, i) => expect(y[i]).toBe(qdq(v, s, zp, -128, 127)));
      // The range observer's statistics, recorded in the same pass.
      const stats = { min: 0, max: 0 };
      tf.tidy(() => fakeQuant(tf.tensor1d(values), { scale: [s], zeroPoint: [zp], qmin: -128, qmax: 127, stats }).dataSync());
      expect(stats).toEqual({ min: Math.min(...values), max: Math.max(...values) });
      // Values span [−3.2, 4.8]; the grid [(−128+30)·0.03, (127+30)·0.03] = [−2.94, 4.71] clips both ends.
      expect(Math.min(...y)).toBeCloseTo(-2.94, 5);
      expect(Math.max(...y)).toBeCloseTo(4.71, 5);
    });

    it('forward equals quantise-dequantise, per channel on the last axis', () => {
      const scales = [0.01, 0.05, 0.2];
      const y = tf.tidy(() => fakeQuant(tf.tensor2d(values, [200, 3]), { scale: scales, zeroPoint: [0, 0, 0], qmin: -127, qmax: 127 }).dataSync());
      values.forEach((v, i) => expect(y[i]).toBe(qdq(v, scales[i % 3], 0, -127, 127)));
    });

    it('straight-through gradient: dy inside the clip range, 0 outside', () => {
      const s = 0.02;
      const zp = 10;
      const lo = (-128 - zp) * s; // −2.76
      const hi = (127 - zp) * s; // 2.34
      const dy = Float32Array.from(values, (_, i) => 1 + i / 100);
      const g = tf.tidy(() => {
        const f = (x: tf.Tensor) => tf.sum(tf.mul(fakeQuant(x, { scale: [s], zeroPoint: [zp], qmin: -128, qmax: 127 }), tf.tensor1d(dy)));
        return tf.grad(f)(tf.tensor1d(values)).dataSync();
      });
      let inside = 0;
      values.forEach((v, i) => {
        const expected = v >= lo && v <= hi ? dy[i] : 0;
        if (expected) inside++;
        expect(g[i]).toBe(Math.fround(expected));
      });
      expect(inside).toBeGreaterThan(100);
      expect(inside).toBeLessThan(values.length - 100);
    });
  });
}

describe('quantiser parameters', () => {
  it('nudges the range so real 0 is exact and uses (max − min)/255', () => {
    const q = activationQuant(-1, 3, 'fixed');
    expect(q.scale).toBe(Math.fround(4 / 255));
    expect(q.zeroPoint).toBe(Math.round(-128 + 1 / (4 / 255))); // −64
    expect(q.zeroPoint).toBe(-64);
    // A positive-only range is widened to include 0: zp = −128.
    const r = activationQuant(0.5, 6, 'fixed');
    expect(r.zeroPoint).toBe(-128);
    expect(r.scale).toBe(Math.fround(6 / 255));
  });

  it('power-of-two mode gives exact powers of two that still cover the range', () => {
    for (const [lo, hi] of [[0, 6], [-1, 3], [-0.01, 0.02], [0, 1], [-300, 5]] as const) {
      const q = activationQuant(lo, hi, 'pow2');
      const k = exactLog2(q.scale);
      expect(k).toBeDefined();
      expect(255 * q.scale).toBeGreaterThanOrEqual(hi - Math.min(lo, 0));
      expect(127.5 * q.scale).toBeLessThan(hi - Math.min(lo, 0)); // the smallest such power of two
    }
    const ws = weightScales([1.0, 0.3, 0.0051], 'pow2');
    expect(ws).toEqual([2 ** -6, 2 ** -8, 2 ** -14]);
  });

  it('dead channels and collapsed ranges still get positive finite scales', () => {
    const ws = weightScales([0, 0.5, 0], 'fixed');
    expect(ws).toEqual([Math.fround(0.5 / 127), Math.fround(0.5 / 127), Math.fround(0.5 / 127)]);
    const all = weightScales([0, 0], 'pow2');
    all.forEach((s) => expect(exactLog2(s)).toBeDefined());
    const a = activationQuant(0, 0, 'fixed');
    expect(a.scale).toBeGreaterThan(0);
    expect(Number.isFinite(a.scale)).toBe(true);
    const b = activationQuant(NaN, Infinity, 'pow2');
    expect(b.scale).toBeGreaterThan(0);
    expect(Number.isFinite(b.scale)).toBe(true);
  });
});
