/**
 * The last step of every convolution-like kernel in the interpreter: int32 accumulators,
 * laid out pixel by pixel, requantised per output channel in the graph's scheme, offset
 * by the output zero point, clamped to the activation range and stored as int8.
 *
 * Kept apart from the dot products so each kernel's inner loop is pure arithmetic and
 * this loop calls one scheme's requantisation function directly (V8 inlines it).
 */

import type { QuantScheme } from './qgraph.js';
import type { ConvLikeParams } from './op-params.js';
import { fp32Requant, mbqmDouble, mbqmSingle, pow2Shift } from './quant-math.js';

type RequantFn = (x: number, multiplier: number, shift: number) => number;

const pow2Requant: RequantFn = (x, _m, s) => pow2Shift(x, s);
const fp32RequantFn: RequantFn = (x, m) => fp32Requant(x, m);

/** One scheme's requantisation function (docs/quantization-spec.md). */
export function requantFunction(scheme: QuantScheme): RequantFn {
  if (scheme.scales === 'pow2') return pow2Requant;
  if (scheme.rounding === 'fp32') return fp32RequantFn;
  return scheme.rounding === 'single' ? mbqmSingle : mbqmDouble;
}

/** Requantisation of one op's output channels, expanded to one entry per channel. */
export interface ChannelRequant {
  readonly fn: RequantFn;
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  readonly channels: number;
  readonly outZp: number;
  readonly actMin: number;
  readonly actMax: number;
  /**
   * TFLite's double rounding with no left shift in any channel: per-channel constants of
   * `requantizeRowsDouble`, the loop behind nearly every conv of a real model.
   */
  readonly double?: { multiplier: Float64Array; exponent: Int32Array; mask: Int32Array };
}

/** Build the per-channel requantisation of a conv-like op with `channels` outputs. */
export function channelRequant(p: ConvLikeParams, scheme: QuantScheme, channels: number): ChannelRequant {
  const perTensor = p.requant.multiplier.length === 1;
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    multiplier[c] = p.requant.multiplier[perTensor ? 0 : c];
    shift[c] = p.requant.shift[perTensor ? 0 : c];
  }
  const fn = requantFunction(scheme);
  const rq = { fn, multiplier, shift, channels, outZp: p.outZp, actMin: p.actMin, actMax: p.actMax };
  if (fn !== mbqmDouble || shift.some((s) => s > 0)) return rq;
  const exponent = shift.map((s) => -s);
  const mask = exponent.map((e) => (e === 31 ? 0x7fffffff : (1 << e) - 1));
  return { ...rq, double: { multiplier: Float64Array.from(multiplier), exponent, mask } };
}

/**
 * Requantise `rows` rows of accumulators (row r, channel c at `acc[r * accStride + c]`)
 * into `y` (row r, channel c at `y[r * channels + c]`).
 */
export function requantizeRows(acc: Int32Array, accStride: number, rows: number, rq: ChannelRequant, y: Int8Array): void {
  if (rq.double) return requantizeRowsDouble(acc, accStride, rows, rq, y);
  const { fn, multiplier, shift, channels, outZp, actMin, actMax } = rq;
  for (let r = 0; r < rows; r++) {
    const a0 = r * accStride;
    const y0 = r * channels;
    for (let c = 0; c < channels; c++) {
      const v = fn(acc[a0 + c], multiplier[c], shift[c]) + outZp;
      y[y0 + c] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  }
}

/**
 * `requantizeRows` for double rounding when every shift is ≤ 0: mbqmDouble's fast path
 * (quant-math.ts) with the channel's rounding mask precomputed. For |x| < 2^21 the
 * product x·m (m < 2^31) is below 2^52, so SRDHM is one exact float64 expression and its
 * result h fits int32; RoundingDivideByPOT is then h >> e plus one when the dropped bits
 * exceed half (half plus one for negative h, i.e. rounding half away from zero).
 * Larger |x| (never seen in real models) take mbqmDouble itself.
 */
function requantizeRowsDouble(acc: Int32Array, accStride: number, rows: number, rq: ChannelRequant, y: Int8Array): void {
  const { multiplier: mq, shift: sq, channels, outZp, actMin, actMax } = rq;
  const { multiplier, exponent, mask } = rq.double!;
  // Channel by channel, so each channel's constants stay in registers.
  for (let c = 0; c < channels; c++) {
    const m = multiplier[c];
    const e = exponent[c];
    const k = mask[c];
    const half = k >> 1;
    for (let r = 0, a = c, o = c; r < rows; r++, a += accStride, o += channels) {
      const x = acc[a];
      let v: number;
      if (x < 2097152 && x > -2097152) {
        const h = Math.floor((x * m + 1073741824) * TWO_POW_MINUS_31) | 0;
        v = (h >> e) + ((h & k) > half - (h >> 31) ? 1 : 0);
      } else {
        v = mbqmDouble(x, mq[c], sq[c]);
      }
      v += outZp;
      y[o] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  }
}

const TWO_POW_MINUS_31 = 2 ** -31;
