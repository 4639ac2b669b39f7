/**
 * Reference integer kernels of the interpreter (the host "simulation"). Each function is
 * the TypeScript twin of one C kernel in packages/runtime-c and follows
 * docs/quantization-spec.md to the bit. Written for speed as well as clarity: inputs are
 * offset by their zero point once, inner loops run over contiguous channels.
 */

import type { QuantScheme } from './qgraph.js';
import type {
  AddParams,
  ConcatParams,
  ConvLikeParams,
  MeanParams,
  PoolParams,
  Requant,
  SoftmaxParams,
} from './op-params.js';
import { requantize } from './op-params.js';
import { bitsToFloat32, fp32Requant, roundHalfAway, roundHalfEven, mbqmDouble, mbqmSingle, pow2Shift, roundDivAway, saturateInt32 } from './quant-math.js';

/** NHWC dims of a batch-1 tensor. */
export interface Hwc {
  h: number;
  w: number;
  c: number;
}

type RequantFn = (x: number, m: number, s: number) => number;
function requantFn(scheme: QuantScheme): RequantFn {
  if (scheme.scales === 'pow2') return (x, _m, s) => pow2Shift(x, s);
  if (scheme.rounding === 'fp32') return (x, m) => fp32Requant(x, m);
  return scheme.rounding === 'single' ? mbqmSingle : mbqmDouble;
}

function offsetInput(x: Int8Array, zp: number): Int32Array {
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - zp;
  return out;
}

function channelRq(rq: Requant, c: number): number {
  return rq.multiplier.length === 1 ? 0 : c;
}

/** Requantise accumulator `acc` of output channel `co`, clamp, and store it at y[at]. */
function requantStorer(p: ConvLikeParams, scheme: QuantScheme, y: Int8Array): (acc: number, co: number, at: number) => void {
  const rq = requantFn(scheme);
  const perChannel = p.requant.multiplier.length > 1;
  const mult = p.requant.multiplier;
  const shift = p.requant.shift;
  const { outZp, actMin, actMax } = p;
  return (acc, co, at) => {
    const c = perChannel ? co : 0;
    const v = rq(acc, mult[c], shift[c]) + outZp;
    y[at] = v < actMin ? actMin : v > actMax ? actMax : v;
  };
}

/**
 * CONV_2D, NHWC input, OHWI filter, per-channel requantisation. Accumulation is int32
 * (`| 0` is exact: the validator bounds every accumulator below 2^31).
 */
export function conv2d(
  x: Int8Array, xd: Hwc, w: Int32Array, kh: number, kw: number, bias: Int32Array,
  y: Int8Array, yd: Hwc, strideH: number, strideW: number, dilH: number, dilW: number,
  p: ConvLikeParams, scheme: QuantScheme,
): void {
  // Separate functions so V8 keeps separate type feedback and optimised code for each shape.
  const pointwise = kh === 1 && kw === 1 && strideH === 1 && strideW === 1 && p.padTop === 0 && p.padLeft === 0;
  (pointwise ? conv2dPointwise : conv2dGeneral)(x, xd, w, kh, kw, bias, y, yd, strideH, strideW, dilH, dilW, p, scheme);
}

/** CONV_2D 1x1, stride 1: a matrix product. */
function conv2dPointwise(
  x: Int8Array, xd: Hwc, w: Int32Array, kh: number, kw: number, bias: Int32Array,
  y: Int8Array, yd: Hwc, strideH: number, strideW: number, dilH: number, dilW: number,
  p: ConvLikeParams, scheme: QuantScheme,
): void {
  const xo = offsetInput(x, p.inZp);
  const cin = xd.c;
  const cout = yd.c;
  const store = requantStorer(p, scheme, y);
  // Pointwise: a matrix product, pixels x cin by cin x cout, blocked 2 pixels x 4
  // output channels so each loaded value feeds several multiply-accumulates.
  const pixels = yd.h * yd.w;
  let px = 0;
  for (; px + 1 < pixels; px += 2) {
    const xa = px * cin;
    const xb = xa + cin;
    const ya = px * cout;
    const yb = ya + cout;
    let co = 0;
    for (; co + 3 < cout; co += 4) {
      const w0 = co * cin;
      const w1 = w0 + cin;
      const w2 = w1 + cin;
      const w3 = w2 + cin;
      let a0 = bias[co] | 0;
      let a1 = bias[co + 1] | 0;
      let a2 = bias[co + 2] | 0;
      let a3 = bias[co + 3] | 0;
      let b0 = a0;
      let b1 = a1;
      let b2 = a2;
      let b3 = a3;
      let ci = 0;
      for (; ci + 1 < cin; ci += 2) {
        // Two input channels per iteration: sums of two products stay far below 2^53.
        const u = xo[xa + ci];
        const v = xo[xb + ci];
        const u1 = xo[xa + ci + 1];
        const v1 = xo[xb + ci + 1];
        const q0 = w[w0 + ci];
        const q1 = w[w1 + ci];
        const q2 = w[w2 + ci];
        const q3 = w[w3 + ci];
        const r0 = w[w0 + ci + 1];
        const r1 = w[w1 + ci + 1];
        const r2 = w[w2 + ci + 1];
        const r3 = w[w3 + ci + 1];
        a0 = (a0 + u * q0 + u1 * r0) | 0;
        a1 = (a1 + u * q1 + u1 * r1) | 0;
        a2 = (a2 + u * q2 + u1 * r2) | 0;
        a3 = (a3 + u * q3 + u1 * r3) | 0;
        b0 = (b0 + v * q0 + v1 * r0) | 0;
        b1 = (b1 + v * q1 + v1 * r1) | 0;
        b2 = (b2 + v * q2 + v1 * r2) | 0;
        b3 = (b3 + v * q3 + v1 * r3) | 0;
      }
      for (; ci < cin; ci++) {
        const u = xo[xa + ci];
        const v = xo[xb + ci];
        a0 = (a0 + u * w[w0 + ci]) | 0;
        a1 = (a1 + u * w[w1 + ci]) | 0;
        a2 = (a2 + u * w[w2 + ci]) | 0;
        a3 = (a3 + u * w[w3 + ci]) | 0;
        b0 = (b0 + v * w[w0 + ci]) | 0;
        b1 = (b1 + v * w[w1 + ci]) | 0;
        b2 = (b2 + v * w[w2 + ci]) | 0;
        b3 = (b3 + v * w[w3 + ci]) | 0;
      }
      store(a0, co, ya + co);
      store(a1, co + 1, ya + co + 1);
      store(a2, co + 2, ya + co + 2);
      store(a3, co + 3, ya + co + 3);
      store(b0, co, yb + co);
      store(b1, co + 1, yb + co + 1);
      store(b2, co + 2, yb + co + 2);
      store(b3, co + 3, yb + co + 3);
    }
    for (; co < cout; co++) {
      const wBase = co * cin;
      let a = bias[co] | 0;
      let b = a;
      for (let ci = 0; ci < cin; ci++) {
        const q0 = w[wBase + ci];
        a = (a + xo[xa + ci] * q0) | 0;
        b = (b + xo[xb + ci] * q0) | 0;
      }
      store(a, co, ya + co);
      store(b, co, yb + co);
    }
  }
  for (; px < pixels; px++) {
    const xa = px * cin;
    for (let co = 0; co < cout; co++) {
      const wBase = co * cin;
      let a = bias[co] | 0;
      for (let ci = 0; ci < cin; ci++) a = (a + xo[xa + ci] * w[wBase + ci]) | 0;
      store(a, co, px * cout + co);
    }
  }
}

/** CONV_2D, any kernel, stride, dilation and padding. */
function conv2dGeneral(
  x: Int8Array, xd: Hwc, w: Int32Array, kh: number, kw: number, bias: Int32Array,
  y: Int8Array, yd: Hwc, strideH: number, strideW: number, dilH: number, dilW: number,
  p: ConvLikeParams, scheme: QuantScheme,
): void {
  const xo = offsetInput(x, p.inZp);
  const cin = xd.c;
  const cout = yd.c;
  const taps = kh * kw * cin;
  const requantStore = requantStorer(p, scheme, y);
  // General case: gather each output pixel's receptive field into a patch (padding taps
  // hold 0, i.e. the zero point, after the offset), then one contiguous dot product per
  // output channel against its OHWI filter row, four channels at a time.
  const patch = new Int32Array(taps);
  for (let oy = 0; oy < yd.h; oy++) {
    const iy0 = oy * strideH - p.padTop;
    for (let ox = 0; ox < yd.w; ox++) {
      const ix0 = ox * strideW - p.padLeft;
      let k = 0;
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky * dilH;
        const rowOk = iy >= 0 && iy < xd.h;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ix0 + kx * dilW;
          if (rowOk && ix >= 0 && ix < xd.w) {
            const xBase = (iy * xd.w + ix) * cin;
            for (let ci = 0; ci < cin; ci++) patch[k++] = xo[xBase + ci];
          } else {
            for (let ci = 0; ci < cin; ci++) patch[k++] = 0;
          }
        }
      }
      const yBase = (oy * yd.w + ox) * cout;
      let co = 0;
      for (; co + 3 < cout; co += 4) {
        const w0 = co * taps;
        const w1 = w0 + taps;
        const w2 = w1 + taps;
        const w3 = w2 + taps;
        let a0 = bias[co] | 0;
        let a1 = bias[co + 1] | 0;
        let a2 = bias[co + 2] | 0;
        let a3 = bias[co + 3] | 0;
        for (let t = 0; t < taps; t++) {
          const u = patch[t];
          a0 = (a0 + u * w[w0 + t]) | 0;
          a1 = (a1 + u * w[w1 + t]) | 0;
          a2 = (a2 + u * w[w2 + t]) | 0;
          a3 = (a3 + u * w[w3 + t]) | 0;
        }
        requantStore(a0, co, yBase + co);
        requantStore(a1, co + 1, yBase + co + 1);
        requantStore(a2, co + 2, yBase + co + 2);
        requantStore(a3, co + 3, yBase + co + 3);
      }
      for (; co < cout; co++) {
        const wBase = co * taps;
        let acc = bias[co] | 0;
        for (let t = 0; t < taps; t++) acc = (acc + patch[t] * w[wBase + t]) | 0;
        requantStore(acc, co, yBase + co);
      }
    }
  }
}

/**
 * DEPTHWISE_CONV_2D, filter [1, kh, kw, cin·mult], output channel = ci·mult + m.
 * Channels are the inner loop (contiguous in NHWC); accumulators live in an Int32Array.
 */
export function depthwiseConv2d(
  x: Int8Array, xd: Hwc, w: Int32Array, kh: number, kw: number, mult: number, bias: Int32Array,
  y: Int8Array, yd: Hwc, strideH: number, strideW: number, dilH: number, dilW: number,
  p: ConvLikeParams, scheme: QuantScheme,
): void {
  const xo = offsetInput(x, p.inZp);
  const rq = requantFn(scheme);
  const H = xd.h;
  const W = xd.w;
  const cin = xd.c;
  const cout = yd.c;
  const padTop = p.padTop;
  const padLeft = p.padLeft;
  const perChannel = p.requant.multiplier.length > 1;
  const rqm = p.requant.multiplier;
  const rqs = p.requant.shift;
  const { outZp, actMin, actMax } = p;
  const unrolled3x3 = kh === 3 && kw === 3 && mult === 1 && dilH === 1 && dilW === 1;
  const acc = new Int32Array(cout);
  const rowStride = W * cin;
  for (let oy = 0; oy < yd.h; oy++) {
    for (let ox = 0; ox < yd.w; ox++) {
      const iy0 = oy * strideH - padTop;
      const ix0 = ox * strideW - padLeft;
      if (unrolled3x3 && iy0 >= 0 && ix0 >= 0 && iy0 + 2 < H && ix0 + 2 < W) {
        // Interior pixel of a 3x3 depthwise: all nine taps valid, fully unrolled per channel.
        const r0 = (iy0 * W + ix0) * cin;
        const r1 = r0 + rowStride;
        const r2 = r1 + rowStride;
        const yb = (oy * yd.w + ox) * cout;
        for (let c = 0; c < cout; c++) {
          const a = (bias[c]
            + xo[r0 + c] * w[c] + xo[r0 + cin + c] * w[cout + c] + xo[r0 + 2 * cin + c] * w[2 * cout + c]
            + xo[r1 + c] * w[3 * cout + c] + xo[r1 + cin + c] * w[4 * cout + c] + xo[r1 + 2 * cin + c] * w[5 * cout + c]
            + xo[r2 + c] * w[6 * cout + c] + xo[r2 + cin + c] * w[7 * cout + c] + xo[r2 + 2 * cin + c] * w[8 * cout + c]) | 0;
          const k = perChannel ? c : 0;
          const v = rq(a, rqm[k], rqs[k]) + outZp;
          y[yb + c] = v < actMin ? actMin : v > actMax ? actMax : v;
        }
        continue;
      }
      for (let c = 0; c < cout; c++) acc[c] = bias[c];
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * strideH - padTop + ky * dilH;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * strideW - padLeft + kx * dilW;
          if (ix < 0 || ix >= W) continue;
          const xb = (iy * W + ix) * cin;
          const wb = (ky * kw + kx) * cout;
          if (mult === 1) {
            for (let c = 0; c < cout; c++) acc[c] += xo[xb + c] * w[wb + c];
          } else {
            for (let c = 0; c < cout; c++) acc[c] += xo[xb + Math.floor(c / mult)] * w[wb + c];
          }
        }
      }
      const yb = (oy * yd.w + ox) * cout;
      for (let c = 0; c < cout; c++) {
        const k = perChannel ? c : 0;
        const v = rq(acc[c], rqm[k], rqs[k]) + outZp;
        y[yb + c] = v < actMin ? actMin : v > actMax ? actMax : v;
      }
    }
  }
}

/** FULLY_CONNECTED: weights [out, in]. */
export function fullyConnected(
  x: Int8Array, w: Int32Array, bias: Int32Array, y: Int8Array, p: ConvLikeParams, scheme: QuantScheme,
): void {
  const rq = requantFn(scheme);
  const n = x.length;
  const xo = offsetInput(x, p.inZp);
  for (let co = 0; co < y.length; co++) {
    let s = bias[co];
    const base = co * n;
    for (let i = 0; i < n; i++) s += xo[i] * w[base + i];
    const c = channelRq(p.requant, co);
    let v = rq(s, p.requant.multiplier[c], p.requant.shift[c]) + p.outZp;
    v = v < p.actMin ? p.actMin : v > p.actMax ? p.actMax : v;
    y[co] = v;
  }
}

/** ADD: TFLite Micro's method (fixed), aligned shifts (pow2) or XNNPACK's (fp32). */
export function add(a: Int8Array, b: Int8Array, y: Int8Array, p: AddParams, scheme: QuantScheme): void {
  if (scheme.rounding === 'fp32' && scheme.scales === 'fixed') {
    if (p.leftShift === 0) return addXnnpack(a, b, y, p);
    scheme = { scales: 'fixed', rounding: 'tflm' }; // outside XNNPACK's range: TFLite's builtin ADD
  }
  const rq = requantFn(scheme);
  const lsh = 2 ** p.leftShift;
  for (let i = 0; i < y.length; i++) {
    const va = rq((a[i] - p.in1Zp) * lsh, p.in1.multiplier[0], p.in1.shift[0]);
    const vb = rq((b[i] - p.in2Zp) * lsh, p.in2.multiplier[0], p.in2.shift[0]);
    let v = rq(saturateInt32(va + vb), p.out.multiplier[0], p.out.shift[0]) + p.outZp;
    v = v < p.actMin ? p.actMin : v > p.actMax ? p.actMax : v;
    y[i] = v;
  }
}

/** fp32-mode ADD (XNNPACK's rule, op-params xnnpackAddParams): one rounding shift of a weighted sum. */
function addXnnpack(a: Int8Array, b: Int8Array, y: Int8Array, p: AddParams): void {
  const m1 = p.in1.multiplier[0];
  const m2 = p.in2.multiplier[0];
  const shift = p.out.shift[0];
  const pow = 2 ** shift;
  const half = pow / 2;
  for (let i = 0; i < y.length; i++) {
    let v = Math.floor((m1 * (a[i] - p.in1Zp) + m2 * (b[i] - p.in2Zp) + half) / pow) + p.outZp;
    v = v < p.actMin ? p.actMin : v > p.actMax ? p.actMax : v;
    y[i] = v;
  }
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
  if (scheme.rounding === 'fp32' && scheme.scales === 'fixed') return meanHwXnnpack(x, xd, y, p);
  const n = xd.h * xd.w;
  for (let ch = 0; ch < xd.c; ch++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += x[i * xd.c + ch] - p.inZp;
    let v: number;
    if (scheme.scales === 'pow2') {
      const k = p.pow2Exp;
      v = k >= 0 ? roundDivAway(acc * 2 ** k, p.count) : roundDivAway(acc, p.count * 2 ** -k);
    } else {
      v = requantize(acc, p.requant, 0, scheme);
    }
    v += p.outZp;
    y[ch] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}

/**
 * fp32-mode MEAN, XNNPACK's rule (measured against LiteRT.js): the raw int8 sum times
 * s = f32(s_in / (s_out · n)), plus a float bias f32(zp_out − f32(n · zp_in) · s), all in
 * float32, rounded half to even, clamped.
 */
function meanHwXnnpack(x: Int8Array, xd: Hwc, y: Int8Array, p: MeanParams): void {
  const f = Math.fround;
  const n = xd.h * xd.w;
  const s = bitsToFloat32(p.requant.multiplier[0]);
  const bias = f(p.outZp - f(n * p.inZp * s));
  for (let ch = 0; ch < xd.c; ch++) {
    let raw = 0;
    for (let i = 0; i < n; i++) raw += x[i * xd.c + ch];
    let v = f(f(raw * s) + bias);
    v = v < -32768 ? -32768 : v > 32767 ? 32767 : v;
    const q = roundHalfEven(v);
    y[ch] = q < -128 ? -128 : q > 127 ? 127 : q;
  }
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

/** SOFTMAX over the last axis: exponent table lookup, exact integer normalisation. */
export function softmax(x: Int8Array, classes: number, y: Int8Array, p: SoftmaxParams): void {
  if (p.float) return softmaxFloat(x, classes, y, p);
  for (let row = 0; row < x.length / classes; row++) {
    const base = row * classes;
    let max = -128;
    for (let i = 0; i < classes; i++) max = Math.max(max, x[base + i]);
    let sum = 0;
    for (let i = 0; i < classes; i++) sum += p.expTable[max - x[base + i]];
    const half = Math.floor(sum / 2);
    for (let i = 0; i < classes; i++) {
      const q = Math.floor((p.expTable[max - x[base + i]] * 256 + half) / sum) - 128;
      y[base + i] = q > 127 ? 127 : q;
    }
  }
}

/**
 * fp32-mode SOFTMAX, TFLite's float lookup-table kernel: sum the table entries in float32
 * in order, inv = 1 / (sum · 1/256), out = round_half_away(entry · inv) − 128, clamped.
 */
function softmaxFloat(x: Int8Array, classes: number, y: Int8Array, p: SoftmaxParams): void {
  const f = Math.fround;
  const table = Float32Array.from(p.expTable, (b) => bitsToFloat32(b | 0));
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
