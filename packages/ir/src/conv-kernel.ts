/**
 * CONV_2D and FULLY_CONNECTED as the interpreter runs them: prepared once per op (filter
 * packed, scratch allocated), then per call three steps: gather zero-point-offset input
 * rows (the pixels themselves for a 1x1 stride-1 conv or a fully connected layer, an
 * im2col patch per output pixel otherwise), one matrix product (packed-gemm.ts), and
 * requantisation (requant-rows.ts). Bit-exact twin of the C kernels in packages/runtime-c.
 */

import type { QuantScheme } from './qgraph.js';
import type { ConvLikeParams } from './op-params.js';
import type { Hwc } from './kernels.js';
import { channelAbsSums, gemm, prepareFilter, roundUp, ROW_BLOCK, type PreparedFilter } from './packed-gemm.js';
import { accumulatorBound, channelRequant, requantizeRows, type ChannelRequant } from './requant-rows.js';

/** Kernel size, stride and dilation of a convolution. */
export interface ConvGeometry {
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
}

/** A conv-like op prepared for repeated execution on int8 tensors. */
export interface PreparedKernel {
  /** Compute output `y` from input `x` (both NHWC int8, batch 1). */
  run(x: Int8Array, y: Int8Array): void;
}

/** Largest |x − zp| over int8 x: the bound the packed product's exactness check needs. */
export function maxAbsOffsetInput(zp: number): number {
  return Math.max(128 + zp, 127 - zp);
}

/** CONV_2D (OHWI filter) or, as a 1x1 conv of one pixel, FULLY_CONNECTED. */
export class ConvKernel implements PreparedKernel {
  private readonly filter: PreparedFilter;
  private readonly rq: ChannelRequant;
  private readonly pixels: number;
  /** Input rows, [pixel][tap], padded with zero rows to a multiple of ROW_BLOCK. */
  private readonly rows: Float64Array;
  private readonly acc: Int32Array;
  private readonly direct: boolean;

  /**
   * @param w filter, OHWI (or [out, in] for FULLY_CONNECTED), int8 values
   * @param bias int32 bias, one per output channel
   */
  constructor(
    w: ArrayLike<number>, bias: ArrayLike<number>,
    private readonly xd: Hwc, private readonly yd: Hwc, private readonly g: ConvGeometry,
    private readonly p: ConvLikeParams, scheme: QuantScheme,
  ) {
    const depth = g.kh * g.kw * xd.c;
    const maxAbsX = maxAbsOffsetInput(p.inZp);
    const maxAbsAcc = accumulatorBound(bias, channelAbsSums(w, yd.c, depth), maxAbsX);
    this.rq = channelRequant(p, scheme, yd.c, maxAbsAcc);
    this.filter = prepareFilter(w, bias, yd.c, depth, maxAbsX);
    this.pixels = yd.h * yd.w;
    const paddedPixels = roundUp(this.pixels, ROW_BLOCK);
    this.rows = new Float64Array(paddedPixels * depth);
    this.acc = new Int32Array(paddedPixels * this.filter.paddedChannels);
    this.direct = g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && p.padTop === 0 && p.padLeft === 0;
  }

  run(x: Int8Array, y: Int8Array): void {
    if (this.direct) offsetInto(x, this.p.inZp, this.rows);
    else this.im2col(x);
    gemm(this.rows, this.rows.length / this.filter.depth, this.filter, this.acc);
    requantizeRows(this.acc, this.filter.paddedChannels, this.pixels, this.rq, y);
  }

  /** One row per output pixel: its receptive field, padding taps 0 (the zero point). */
  private im2col(x: Int8Array): void {
    const { xd, yd, g, rows } = this;
    const { padTop, padLeft, inZp } = this.p;
    const cin = xd.c;
    let k = 0;
    for (let oy = 0; oy < yd.h; oy++) {
      const iy0 = oy * g.strideH - padTop;
      for (let ox = 0; ox < yd.w; ox++) {
        const ix0 = ox * g.strideW - padLeft;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = iy0 + ky * g.dilH;
          const rowOk = iy >= 0 && iy < xd.h;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ix0 + kx * g.dilW;
            if (rowOk && ix >= 0 && ix < xd.w) {
              const xBase = (iy * xd.w + ix) * cin;
              for (let ci = 0; ci < cin; ci++) rows[k++] = x[xBase + ci] - inZp;
            } else {
              for (let ci = 0; ci < cin; ci++) rows[k++] = 0;
            }
          }
        }
      }
    }
  }
}

/** out[i] = x[i] − zp for every element of x (the rest of `out` is left as is). */
export function offsetInto(x: Int8Array, zp: number, out: Float64Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] - zp;
}
