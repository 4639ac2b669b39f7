/**
 * The interpreter's matrix product (packed-gemm.ts) against a naive int32 dot product,
 * on both sides of the packing exactness limit: random and extreme (±127 weights, ±255
 * inputs, int32-edge biases) filters, odd channel counts, and depths large enough to
 * force the unpacked fallback.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/index.js';
import { gemm, packedProductIsExact, prepareFilter, roundUp, ROW_BLOCK } from '../src/packed-gemm.js';

/** bias + Σ x·w with int32 wrap-around after every step, as a C int32 loop would (without UB). */
function naive(x: Int32Array, w: Int8Array, bias: Int32Array, rows: number, channels: number, depth: number): Int32Array {
  const out = new Int32Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      let a = bias[c];
      for (let t = 0; t < depth; t++) a = (a + x[r * depth + t] * w[c * depth + t]) | 0;
      out[r * channels + c] = a;
    }
  }
  return out;
}

function check(seed: number, rows: number, channels: number, depth: number, extreme: boolean): boolean {
  const r = mulberry32(seed);
  const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const w = new Int8Array(channels * depth).map(() => (extreme ? (r() < 0.5 ? -127 : 127) : pick(-127, 127)));
  const x = new Int32Array(rows * depth).map(() => (extreme ? (r() < 0.5 ? -255 : 255) : pick(-255, 255)));
  const bias = new Int32Array(channels).map(() => (extreme ? (r() < 0.5 ? -(2 ** 31) : 2 ** 31 - 1) : pick(-1e6, 1e6)));
  const f = prepareFilter(w, bias, channels, depth, 255);
  const padded = roundUp(rows, ROW_BLOCK);
  const xf = new Float64Array(padded * depth);
  xf.set(x);
  const acc = new Int32Array(padded * f.paddedChannels);
  gemm(xf, padded, f, acc);
  const want = naive(x, w, bias, rows, channels, depth);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < channels; c++) expect(acc[i * f.paddedChannels + c], `row ${i} channel ${c}`).toBe(want[i * channels + c]);
  }
  return f.packed;
}

describe('packed gemm', () => {
  it('matches a naive int32 dot product on random filters (packed path)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = mulberry32(seed * 7);
      const rows = 1 + Math.floor(r() * 9);
      const channels = 1 + Math.floor(r() * 11);
      const depth = 1 + Math.floor(r() * 300);
      expect(check(seed, rows, channels, depth, false)).toBe(true);
    }
  });

  it('stays exact with extreme values up to the packing limit, and falls back beyond it', () => {
    // 255 · 127 · depth < 2^25 ⇔ depth ≤ 1036.
    expect(check(1, 5, 3, 1036, true)).toBe(true);
    expect(check(2, 5, 3, 1037, true)).toBe(false);
    expect(check(3, 3, 7, 3000, true)).toBe(false);
  });

  it('applies the limit to the largest per-channel sum of |w|', () => {
    const w = new Int8Array(2 * 1100);
    w.fill(127, 0, 1036); // channel 0: Σ|w| = 127 · 1036, just inside the limit at |x| ≤ 255
    expect(packedProductIsExact(w, 2, 1100, 255)).toBe(true);
    w[1036] = -127; // one more full-size weight crosses it
    expect(packedProductIsExact(w, 2, 1100, 255)).toBe(false);
  });
});
