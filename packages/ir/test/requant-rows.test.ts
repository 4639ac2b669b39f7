/**
 * The interpreter's row requantisation (requant-rows.ts), including its specialised
 * double-rounding loop, against the scalar `requantize` of op-params.ts in every scheme:
 * random accumulators, int32 extremes (generic loop) or the edges of the declared
 * accumulator bound (fast loop), shifts from −31 to positive, per-tensor and per-channel
 * parameters.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32, requantize, type ConvLikeParams, type QuantScheme } from '../src/index.js';
import { accumulatorBound, channelRequant, requantizeRows } from '../src/requant-rows.js';

const SCHEMES: QuantScheme[] = [
  { scales: 'fixed', rounding: 'tflm' },
  { scales: 'fixed', rounding: 'single' },
  { scales: 'pow2', rounding: 'tflm' },
  { scales: 'fixed', rounding: 'fp32' },
];
const EDGES = [0, 1, -1, 2097151, -2097151, 2097152, -2097152, 2 ** 31 - 1, -(2 ** 31), 12345678, -12345678];
const FAST_BOUND = 2 ** 21 - 1;
const FAST_EDGES = [0, 1, -1, 2, -2, 63, -64, 64, -65, FAST_BOUND, -FAST_BOUND, FAST_BOUND - 1, -FAST_BOUND + 1];

function params(seed: number, scheme: QuantScheme, channels: number, allowLeftShift: boolean): ConvLikeParams {
  const r = mulberry32(seed);
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = Math.floor(r() * 32) - 31 + (allowLeftShift && r() < 0.3 ? Math.floor(r() * 8) + 1 : 0);
    if (scheme.rounding === 'fp32') {
      const f = new DataView(new ArrayBuffer(4));
      f.setFloat32(0, 2 ** (r() * 20 - 16));
      multiplier[c] = f.getInt32(0);
    } else {
      multiplier[c] = c === 1 ? 2 ** 31 - 1 : 2 ** 30 + Math.floor(r() * 2 ** 30);
      shift[c] = s;
    }
  }
  const perTensor = seed % 3 === 0;
  return {
    kind: 'conv', inZp: 0, outZp: Math.floor(r() * 256) - 128, actMin: -128 + Math.floor(r() * 20), actMax: 127 - Math.floor(r() * 20),
    padTop: 0, padLeft: 0,
    requant: { multiplier: perTensor ? multiplier.slice(0, 1) : multiplier, shift: perTensor ? shift.slice(0, 1) : shift },
  };
}

describe('requantizeRows', () => {
  const cases = SCHEMES.flatMap((s) => [false, true].map((bounded) => [`${s.scales}/${s.rounding}${bounded ? ', bounded accumulators' : ''}`, s, bounded] as const));
  it.each(cases)('equals scalar requantize, %s', (_label, scheme, bounded) => {
    for (let seed = 1; seed <= 30; seed++) {
      const channels = 1 + (seed % 7);
      const rows = 40;
      const stride = channels + (seed % 3);
      const p = params(seed, scheme, channels, seed % 2 === 0);
      const r = mulberry32(seed + 1000);
      const edges = bounded ? FAST_EDGES : EDGES;
      const acc = new Int32Array(rows * stride).map((_, i) =>
        i % 5 === 0 ? edges[i % edges.length] : Math.floor((r() - 0.5) * 2 ** (4 + r() * (bounded ? 17 : 28))));
      const y = new Int8Array(rows * channels);
      const rq = channelRequant(p, scheme, channels, bounded ? FAST_BOUND : undefined);
      // Seeds without left shifts take the fast loop when bounded and double-rounded (shift 0 excepted).
      if (bounded && scheme.rounding === 'tflm' && scheme.scales === 'fixed' && !p.requant.shift.some((s) => s > -1)) expect(rq.double).toBeDefined();
      requantizeRows(acc, stride, rows, rq, y);
      for (let row = 0; row < rows; row++) {
        for (let c = 0; c < channels; c++) {
          const k = p.requant.multiplier.length === 1 ? 0 : c;
          const v = requantize(acc[row * stride + c], p.requant, k, scheme) + p.outZp;
          const want = Math.min(p.actMax, Math.max(p.actMin, v));
          expect(y[row * channels + c], `seed ${seed} row ${row} channel ${c} acc ${acc[row * stride + c]}`).toBe(want);
        }
      }
    }
  });

  it('takes the fast double-rounding loop only for bounded accumulators and right shifts', () => {
    const scheme: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
    const p = params(7, scheme, 4, false);
    p.requant.shift.set([-1, -31, -9, -5]);
    expect(channelRequant(p, scheme, 4, FAST_BOUND).double).toBeDefined();
    expect(channelRequant(p, scheme, 4, FAST_BOUND + 1).double).toBeUndefined();
    expect(channelRequant(p, scheme, 4).double).toBeUndefined();
    expect(channelRequant(p, { scales: 'fixed', rounding: 'single' }, 4, FAST_BOUND).double).toBeUndefined();
    p.requant.shift[0] = 0;
    expect(channelRequant(p, scheme, 4, FAST_BOUND).double).toBeUndefined();
    p.requant.shift[0] = 1;
    expect(channelRequant(p, scheme, 4, FAST_BOUND).double).toBeUndefined();
  });

  it('bounds accumulators by |bias| + max |input| · Σ|w| per channel', () => {
    expect(accumulatorBound([5, -100], [10, 2], 255)).toBe(2555);
    expect(accumulatorBound([-(2 ** 31), 0], [0, 1], 255)).toBe(2 ** 31);
  });
});
