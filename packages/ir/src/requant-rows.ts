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
   * Per-channel constants of `requantizeRowsDouble`, the loop behind nearly every conv of
   * a real model; present when its preconditions hold (see `channelRequant`).
   */
  readonly double?: { multiplier: Float64Array; exponent: Int32Array; roundingBit: Int32Array };
}

/**
 * max over channels of |bias[c]| + maxAbsInput · wAbsSum[c]: a bound on every accumulator
 * of a conv-like op whose channel c has weights of absolute sum wAbsSum[c].
 */
export function accumulatorBound(bias: ArrayLike<number>, wAbsSum: ArrayLike<number>, maxAbsInput: number): number {
  let worst = 0;
  for (let c = 0; c < wAbsSum.length; c++) worst = Math.max(worst, Math.abs(bias[c]) + maxAbsInput * wAbsSum[c]);
  return worst;
}

/** The fast double-rounding loop's bound on |accumulator| (see requantizeRowsDouble). */
const FAST_ACC_LIMIT = 2097152; // 2^21

/**
 * Build the per-channel requantisation of a conv-like op with `channels` outputs.
 * @param maxAbsAcc a bound on every |accumulator| the op can produce (|bias| plus
 *   max |input − zp| times Σ|w|, per channel); enables the fast double-rounding loop
 *   when below 2^21 and every shift is in [−31, −1].
 */
export function channelRequant(p: ConvLikeParams, scheme: QuantScheme, channels: number, maxAbsAcc = Infinity): ChannelRequant {
  const perTensor = p.requant.multiplier.length === 1;
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    multiplier[c] = p.requant.multiplier[perTensor ? 0 : c];
    shift[c] = p.requant.shift[perTensor ? 0 : c];
  }
  const fn = requantFunction(scheme);
  const rq = { fn, multiplier, shift, channels, outZp: p.outZp, actMin: p.actMin, actMax: p.actMax };
  if (fn !== mbqmDouble || maxAbsAcc >= FAST_ACC_LIMIT || shift.some((s) => s > -1 || s < -31)) return rq;
  const exponent = shift.map((s) => -s);
  const roundingBit = exponent.map((e) => 1 << (e - 1));
  return { ...rq, double: { multiplier: Float64Array.from(multiplier), exponent, roundingBit } };
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
 * `requantizeRows` for double rounding (mbqmDouble in quant-math.ts) when every shift is
 * a right shift e in [1, 31] and every |x| < 2^21:
 *  - SRDHM: x·m (m < 2^31) is below 2^52, so floor((x·m + 2^30) / 2^31) is one exact
 *    float64 expression and its result h, |h| ≤ 2^21, fits int32;
 *  - RoundingDivideByPOT: with h = q·2^e + r, 0 ≤ r < 2^e, gemmlowp adds 1 to q when
 *    r > 2^(e−1) − 1 + [h < 0], i.e. exactly when r + 2^(e−1) − [h < 0] ≥ 2^e, so the
 *    result is (h + 2^(e−1) − [h < 0]) >> e (no overflow: |h| + 2^30 < 2^31).
 */
function requantizeRowsDouble(acc: Int32Array, accStride: number, rows: number, rq: ChannelRequant, y: Int8Array): void {
  const { channels, outZp, actMin, actMax } = rq;
  const { multiplier, exponent, roundingBit } = rq.double!;
  for (let r = 0; r < rows; r++) {
    const a0 = r * accStride;
    const y0 = r * channels;
    for (let c = 0; c < channels; c++) {
      const h = Math.floor((acc[a0 + c] * multiplier[c] + 1073741824) * TWO_POW_MINUS_31) | 0;
      const v = ((h + roundingBit[c] - (h >>> 31)) >> exponent[c]) + outZp;
      y[y0 + c] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  }
}

const TWO_POW_MINUS_31 = 2 ** -31;
