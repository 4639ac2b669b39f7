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
  return { fn: requantFunction(scheme), multiplier, shift, channels, outZp: p.outZp, actMin: p.actMin, actMax: p.actMax };
}

/**
 * Requantise `rows` rows of accumulators (row r, channel c at `acc[r * accStride + c]`)
 * into `y` (row r, channel c at `y[r * channels + c]`).
 */
export function requantizeRows(acc: Int32Array, accStride: number, rows: number, rq: ChannelRequant, y: Int8Array): void {
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
