/**
 * The per-channel requantisation tables the WebAssembly kernels read (the `Requant` struct
 * of wasm/edgeq_interpreter_kernels.c), built once per op from its ConvLikeParams.
 *
 * The vector path needs a per-lane right shift, which SIMD128 lacks; every rounding shift
 * is written as one exact int64 product instead: for |v| < 2^32 and 0 ≤ e ≤ 31,
 * floor(v / 2^e) = (v · 2^(31−e)) >> 31 (the product stays below 2^63). Then, per mode,
 * with e = −shift (the vector path is used only when every shift ≤ 0):
 *  - double rounding: h = (acc·m + 2^30) >> 31 (SRDHM as quant-math.ts defines it),
 *    then gemmlowp's RoundingDivideByPOT = floor((h + 2^(e−1) − [h < 0]) / 2^e) for
 *    e ≥ 1 (derivation in requant-rows.ts), h itself for e = 0;
 *  - single rounding: floor((acc·m + 2^(30+e)) / 2^(31+e)) = floor(T / 2^e) with
 *    T = (acc·m + 2^(30+e)) >> 31 (nested floors compose); int32 saturation then only
 *    matters outside ±1024, where the int8 clamp gives the same answer;
 *  - pow2: (x >> e) + bit e−1 of x = floor((x + 2^(e−1)) / 2^e), x for e = 0;
 *  - fp32: float32(acc) · scale in float32, clamped to ±2^15, rounded half to even.
 * A shift > 0 anywhere sends the whole op to the scalar twin of quant-math.ts.
 */

import type { QuantScheme } from '../qgraph.js';
import type { ConvLikeParams } from '../op-params.js';
import { align, type WasmHeap } from './wasm-heap.js';

const MODE = { double: 0, single: 1, pow2: 2, fp32: 3 } as const;

/** The scheme's kernel mode number (the C enum). */
function modeOf(scheme: QuantScheme): number {
  if (scheme.scales === 'pow2') return MODE.pow2;
  if (scheme.rounding === 'fp32') return MODE.fp32;
  return scheme.rounding === 'single' ? MODE.single : MODE.double;
}

/** Number of int32 fields of the C `Requant` struct. */
export const REQUANT_FIELDS = 11;

/**
 * Write an op's requantisation tables into `heap` (padded to `paddedChannels`, a multiple
 * of 8) and return the `Requant` struct's fields in order.
 */
export function requantFields(heap: WasmHeap, p: ConvLikeParams, scheme: QuantScheme, channels: number, paddedChannels: number): number[] {
  const perTensor = p.requant.multiplier.length === 1;
  const multiplier = new Int32Array(paddedChannels);
  const shift = new Int32Array(paddedChannels);
  const half = new Int32Array(paddedChannels);
  const negative = new Int32Array(paddedChannels);
  const power = new BigInt64Array(paddedChannels);
  const rounding = new BigInt64Array(paddedChannels);
  const mode = modeOf(scheme);
  let vectorOk = 1;
  for (let c = 0; c < paddedChannels; c++) {
    const k = c < channels ? c : 0;
    multiplier[c] = p.requant.multiplier[perTensor ? 0 : k];
    shift[c] = p.requant.shift[perTensor ? 0 : k];
    if (shift[c] > 0 && mode !== MODE.fp32) vectorOk = 0;
    const e = Math.max(0, -shift[c]);
    half[c] = e >= 1 ? 2 ** (e - 1) : 0;
    negative[c] = e >= 1 && mode === MODE.double ? 1 : 0;
    power[c] = 1n << BigInt(31 - e);
    rounding[c] = 1n << BigInt(30 + e);
  }
  const int32Tables = [multiplier, shift, half, negative].map((table) => {
    const at = heap.allocate(table.byteLength);
    heap.writeInt32(at, table);
    return at;
  });
  const int64Tables = [power, rounding].map((table) => {
    const at = heap.allocate(table.byteLength);
    heap.writeInt32(at, new Int32Array(table.buffer));
    return at;
  });
  return [mode, vectorOk, p.outZp, p.actMin, p.actMax, ...int32Tables, ...int64Tables];
}

/** Channels rounded up to the kernels' table width (8). */
export function paddedChannels(channels: number): number {
  return align(channels, 8);
}
