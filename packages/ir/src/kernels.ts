/**
 * Reference integer kernels of the interpreter (the host "simulation") for the ops other
 * than convolutions and FULLY_CONNECTED (those are prepared per op: conv-kernel.ts,
 * depthwise-kernel.ts). Each function is the TypeScript twin of one C kernel in
 * packages/runtime-c and follows docs/quantization-spec.md to the bit.
 */

import type { QuantScheme } from './qgraph.js';
import type {
  AddParams,
  ConcatParams,
  MeanParams,
  PoolParams,
  SoftmaxParams,
} from './op-params.js';
import { addArithmetic, requantize } from './requant-derive.js';
import { bitsToFloat32, roundHalfAway, roundHalfEven, roundDivAway, roundingDivideByPOT, saturateInt32, srdhm } from './quant-math.js';
import { SOFTMAX_ACCUMULATION_INTEGER_BITS, softmaxReciprocal } from './gemmlowp-fixed-point.js';
import { requantFunction as requantFn } from './requant-rows.js';

/** NHWC dims of a batch-1 tensor. */
export interface Hwc {
  h: number;
  w: number;
  c: number;
}

/** ADD: TFLite Micro's method (fixed), aligned shifts (pow2) or XNNPACK's (fp32). */
export function add(a: Int8Array, b: Int8Array, y: Int8Array, p: AddParams, scheme: QuantScheme): void {
  for (let i = 0; i < y.length; i++) y[i] = addElement(a[i], b[i], p, scheme);
}

/**
 * One output of the reference ADD for the int8 inputs a and b (the scalar the kernels and
 * QAT's simulation share). The arithmetic follows {@link addArithmetic}: XNNPACK's rule
 * (fp32 in its range: one rounding shift of m1·(a − zp1) + m2·(b − zp2)) or TFLite Micro's
 * (each (x − zp)·2^leftShift requantised, the saturated sum requantised), then + zp_out, clamp.
 */
export function addElement(a: number, b: number, p: AddParams, scheme: QuantScheme): number {
  const arithmetic = addArithmetic(p.leftShift, scheme);
  let v: number;
  if (arithmetic === 'xnnpack') {
    const pow = 2 ** p.out.shift[0];
    v = Math.floor((p.in1.multiplier[0] * (a - p.in1Zp) + p.in2.multiplier[0] * (b - p.in2Zp) + pow / 2) / pow) + p.outZp;
  } else {
    const rq = requantFn(arithmetic);
    const lsh = 2 ** p.leftShift;
    const va = rq((a - p.in1Zp) * lsh, p.in1.multiplier[0], p.in1.shift[0]);
    const vb = rq((b - p.in2Zp) * lsh, p.in2.multiplier[0], p.in2.shift[0]);
    v = rq(saturateInt32(va + vb), p.out.multiplier[0], p.out.shift[0]) + p.outZp;
  }
  return v < p.actMin ? p.actMin : v > p.actMax ? p.actMax : v;
}

/** AVERAGE_POOL_2D / MAX_POOL_2D over the valid (unpadded) part of each window. */
export function pool2d(
  isAverage: boolean, x: Int8Array, xd: Hwc, y: Int8Array, yd: Hwc,
  fh: number, fw: number, sh: number, sw: number, p: PoolParams,
): void {
  const c = xd.c;
  for (let oy = 0; oy < yd.h; oy++) {
    const y0 = Math.max(0, oy * sh - p.padTop);
    const y1 = Math.min(xd.h, oy * sh - p.padTop + fh);
    for (let ox = 0; ox < yd.w; ox++) {
      const x0 = Math.max(0, ox * sw - p.padLeft);
      const x1 = Math.min(xd.w, ox * sw - p.padLeft + fw);
      const count = (y1 - y0) * (x1 - x0);
      for (let ch = 0; ch < c; ch++) {
        let acc = isAverage ? 0 : -128;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const v = x[(iy * xd.w + ix) * c + ch];
            if (isAverage) acc += v;
            else if (v > acc) acc = v;
          }
        }
        let v = isAverage ? roundDivAway(acc, count) : acc;
        v = v < p.actMin ? p.actMin : v > p.actMax ? p.actMax : v;
        y[(oy * yd.w + ox) * c + ch] = v;
      }
    }
  }
}

/** MEAN over H and W (global average pool), with requantisation to the output scale. */
export function meanHw(x: Int8Array, xd: Hwc, y: Int8Array, p: MeanParams, scheme: QuantScheme): void {
  const n = xd.h * xd.w;
  for (let ch = 0; ch < xd.c; ch++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += x[i * xd.c + ch] - p.inZp;
    y[ch] = meanOfSum(acc, p, scheme);
  }
}

/**
 * One MEAN output from the sum Σ(x − zp_in) of its `p.count` inputs (the scalar the kernel
 * and QAT's simulation share): pow2 — a rounding division by count·2^−k; fixed — the sum
 * requantised with TFLite Micro's count-folded multiplier; fp32 — XNNPACK's rule (measured
 * against LiteRT.js): f32(raw int8 sum) times s = f32(s_in / (s_out · n)), plus a float bias
 * f32(zp_out − f32(f32(n · zp_in) · s)), all in float32, rounded half to even. Clamped to int8.
 */
export function meanOfSum(sum: number, p: MeanParams, scheme: QuantScheme): number {
  let v: number;
  if (scheme.scales === 'pow2') {
    const k = p.pow2Exp;
    v = (k >= 0 ? roundDivAway(sum * 2 ** k, p.count) : roundDivAway(sum, p.count * 2 ** -k)) + p.outZp;
  } else if (scheme.rounding === 'fp32') {
    const f = Math.fround;
    const n = p.count;
    const s = bitsToFloat32(p.requant.multiplier[0]);
    // Integers become float32 before each product, as in C (exact only below 2^24).
    const bias = f(p.outZp - f(f(n * p.inZp) * s));
    const raw = sum + n * p.inZp;
    const t = f(f(f(raw) * s) + bias);
    v = roundHalfEven(t < -32768 ? -32768 : t > 32767 ? 32767 : t);
  } else {
    v = requantize(sum, p.requant, 0, scheme) + p.outZp;
  }
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/** CONCATENATION on the channel axis, each input requantised to the output scale. */
export function concatChannels(
  xs: Int8Array[], cs: number[], pixels: number, y: Int8Array, p: ConcatParams, scheme: QuantScheme,
): void {
  const cOut = cs.reduce((s, c) => s + c, 0);
  let cOff = 0;
  xs.forEach((x, k) => {
    const rq = p.requants[k];
    const zp = p.inZps[k];
    const ck = cs[k];
    for (let px = 0; px < pixels; px++) {
      for (let ch = 0; ch < ck; ch++) {
        let v = requantize(x[px * ck + ch] - zp, rq, 0, scheme) + p.outZp;
        v = v < p.actMin ? p.actMin : v > p.actMax ? p.actMax : v;
        y[px * cOut + cOff + ch] = v;
      }
    }
    cOff += ck;
  });
}

/** PAD with the input zero point. paddings: [before, after] per NHWC dim. */
export function pad(x: Int8Array, xd: Hwc, y: Int8Array, yd: Hwc, paddings: [number, number][], value: number): void {
  y.fill(value);
  const [pt, pl, pc] = [paddings[1][0], paddings[2][0], paddings[3][0]];
  for (let iy = 0; iy < xd.h; iy++) {
    for (let ix = 0; ix < xd.w; ix++) {
      const src = (iy * xd.w + ix) * xd.c;
      const dst = ((iy + pt) * yd.w + ix + pl) * yd.c + pc;
      y.set(x.subarray(src, src + xd.c), dst);
    }
  }
}

/** SOFTMAX over the last axis: TFLite Micro's gemmlowp fixed-point kernel on the host-built exponent table (fp32: the float kernel). */
export function softmax(x: Int8Array, classes: number, y: Int8Array, p: SoftmaxParams): void {
  if (p.float) return softmaxFloat(x, classes, y, p);
  const table = p.expTable;
  for (let row = 0; row < x.length / classes; row++) {
    const base = row * classes;
    let max = -128;
    for (let i = 0; i < classes; i++) max = Math.max(max, x[base + i]);
    // Σ Rescale<12>(exp): each Q0.31 entry to Q12.19, rounded half away from zero.
    let sum = 0;
    for (let i = 0; i < classes; i++) sum += roundingDivideByPOT(table[max - x[base + i]], SOFTMAX_ACCUMULATION_INTEGER_BITS);
    const { scale, bitsOverUnit } = softmaxReciprocal(sum);
    // From Q0.31 to the output's 8 bits: scale·exp / 2^(bitsOverUnit + 23). TFLite Micro
    // refuses a row whose exponent exceeds 31; the quotient (< 2^31 / 2^32) is then 0.
    const exponent = bitsOverUnit + 31 - 8;
    for (let i = 0; i < classes; i++) {
      const product = srdhm(scale, table[max - x[base + i]]);
      const q = (exponent > 31 ? 0 : roundingDivideByPOT(product, exponent)) - 128;
      y[base + i] = q > 127 ? 127 : q;
    }
  }
}

/** fp32 SOFTMAX tables as float32 values, decoded once per op (keyed on its bit-pattern table). */
const floatTables = new WeakMap<Uint32Array, Float32Array>();

/**
 * fp32-mode SOFTMAX, TFLite's float lookup-table kernel: sum the table entries in float32
 * in order, inv = 1 / (sum · 1/256), out = round_half_away(entry · inv) − 128, clamped.
 */
function softmaxFloat(x: Int8Array, classes: number, y: Int8Array, p: SoftmaxParams): void {
  const f = Math.fround;
  let table = floatTables.get(p.expTable);
  if (!table) floatTables.set(p.expTable, (table = Float32Array.from(p.expTable, (b) => bitsToFloat32(b | 0))));
  for (let row = 0; row < x.length / classes; row++) {
    const base = row * classes;
    let max = -128;
    for (let i = 0; i < classes; i++) max = Math.max(max, x[base + i]);
    let sum = 0;
    for (let i = 0; i < classes; i++) sum = f(sum + table[max - x[base + i]]);
    const inv = f(1 / f(sum * (1 / 256)));
    for (let i = 0; i < classes; i++) {
      const q = roundHalfAway(f(table[max - x[base + i]] * inv)) - 128;
      y[base + i] = q > 127 ? 127 : q < -128 ? -128 : q;
    }
  }
}
