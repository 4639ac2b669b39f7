/**
 * DEPTHWISE_CONV_2D as the interpreter runs it, prepared once per op. Each call copies
 * the zero-point-offset input into a channel-planar buffer whose zero border (allocated
 * once, never written) stands for the padding, so every tap is in bounds and the loops
 * carry no border tests. Then, channel by channel with the filter taps held in locals,
 * int32 accumulators are formed and requantised (requant-rows.ts). Bit-exact twin of the
 * C depthwise kernel in packages/runtime-c.
 *
 * Exactness: a sum of kh·kw products |x·w| ≤ 255 · 127 is an integer far below 2^53, so
 * float64 adds it exactly; bias + sum is wrapped with `| 0` like the C int32 accumulator
 * (which never actually wraps: the validator bounds accumulators below 2^31).
 */

import type { QuantScheme } from './qgraph.js';
import type { ConvLikeParams } from './op-params.js';
import type { Hwc } from './kernels.js';
import { maxAbsOffsetInput, type ConvGeometry, type PreparedKernel } from './conv-kernel.js';
import { accumulatorBound, channelRequant, requantizeRows, type ChannelRequant } from './requant-rows.js';

/** DEPTHWISE_CONV_2D, filter [1, kh, kw, cin·mult], output channel = ci·mult + m. */
export class DepthwiseKernel implements PreparedKernel {
  private readonly rq: ChannelRequant;
  /** Filter taps [ky·kw + kx][output channel]. */
  private readonly w: Float64Array;
  private readonly bias: Int32Array;
  /** Padded input, channel-planar: [ci][padTop + iy][padLeft + ix]. */
  private readonly planes: Float64Array;
  private readonly padH: number;
  private readonly padW: number;
  /** Accumulators [pixel][output channel]. */
  private readonly acc: Int32Array;

  /**
   * @param w filter [1, kh, kw, cin·mult], int8 values
   * @param bias int32 bias, one per output channel
   */
  constructor(
    w: ArrayLike<number>, bias: ArrayLike<number>,
    private readonly xd: Hwc, private readonly yd: Hwc, private readonly g: ConvGeometry, private readonly mult: number,
    private readonly p: ConvLikeParams, scheme: QuantScheme,
  ) {
    this.w = Float64Array.from(w);
    const wAbsSum = new Float64Array(yd.c);
    for (let i = 0; i < this.w.length; i++) wAbsSum[i % yd.c] += Math.abs(this.w[i]);
    this.rq = channelRequant(p, scheme, yd.c, accumulatorBound(bias, wAbsSum, maxAbsOffsetInput(p.inZp)));
    this.bias = Int32Array.from(bias);
    // Rows and columns the taps reach, and those the input occupies after the leading padding.
    this.padH = Math.max((yd.h - 1) * g.strideH + (g.kh - 1) * g.dilH + 1, p.padTop + xd.h);
    this.padW = Math.max((yd.w - 1) * g.strideW + (g.kw - 1) * g.dilW + 1, p.padLeft + xd.w);
    this.planes = new Float64Array(xd.c * this.padH * this.padW);
    this.acc = new Int32Array(yd.h * yd.w * yd.c);
  }

  run(x: Int8Array, y: Int8Array): void {
    this.fillPlanes(x);
    const g = this.g;
    if (g.kh === 3 && g.kw === 3 && g.dilH === 1 && g.dilW === 1 && this.mult === 1) this.taps3x3();
    else this.anyTaps();
    requantizeRows(this.acc, this.yd.c, this.yd.h * this.yd.w, this.rq, y);
  }

  /** planes[ci][padTop + iy][padLeft + ix] = x[iy][ix][ci] − zp; the border stays 0. */
  private fillPlanes(x: Int8Array): void {
    const { xd, planes, padH, padW } = this;
    const { padTop, padLeft, inZp } = this.p;
    const cin = xd.c;
    const plane = padH * padW;
    for (let iy = 0; iy < xd.h; iy++) {
      for (let ix = 0; ix < xd.w; ix++) {
        const src = (iy * xd.w + ix) * cin;
        const dst = (padTop + iy) * padW + padLeft + ix;
        for (let c = 0; c < cin; c++) planes[c * plane + dst] = x[src + c] - inZp;
      }
    }
  }

  /** 3x3, dilation 1, multiplier 1: nine taps in locals; stride 1 slides a 3x3 window. */
  private taps3x3(): void {
    const { yd, planes, padW, w, bias, acc } = this;
    const { strideH, strideW } = this.g;
    const cout = yd.c;
    const plane = this.padH * padW;
    for (let c = 0; c < cout; c++) {
      const w0 = w[c], w1 = w[cout + c], w2 = w[2 * cout + c];
      const w3 = w[3 * cout + c], w4 = w[4 * cout + c], w5 = w[5 * cout + c];
      const w6 = w[6 * cout + c], w7 = w[7 * cout + c], w8 = w[8 * cout + c];
      const b = bias[c];
      for (let oy = 0; oy < yd.h; oy++) {
        const r0 = c * plane + oy * strideH * padW;
        const r1 = r0 + padW;
        const r2 = r1 + padW;
        let o = oy * yd.w * cout + c;
        if (strideW === 1) {
          // Window columns ox, ox+1, ox+2: carry two columns over, load one.
          let x00 = planes[r0], x10 = planes[r1], x20 = planes[r2];
          let x01 = planes[r0 + 1], x11 = planes[r1 + 1], x21 = planes[r2 + 1];
          for (let ox = 2; ox < yd.w + 2; ox++) {
            const x02 = planes[r0 + ox];
            const x12 = planes[r1 + ox];
            const x22 = planes[r2 + ox];
            const s = x00 * w0 + x01 * w1 + x02 * w2 + x10 * w3 + x11 * w4 + x12 * w5 + x20 * w6 + x21 * w7 + x22 * w8;
            acc[o] = (b + s) | 0;
            o += cout;
            x00 = x01; x10 = x11; x20 = x21;
            x01 = x02; x11 = x12; x21 = x22;
          }
        } else {
          for (let ox = 0; ox < yd.w; ox++) {
            const i = ox * strideW;
            const s = planes[r0 + i] * w0 + planes[r0 + i + 1] * w1 + planes[r0 + i + 2] * w2
              + planes[r1 + i] * w3 + planes[r1 + i + 1] * w4 + planes[r1 + i + 2] * w5
              + planes[r2 + i] * w6 + planes[r2 + i + 1] * w7 + planes[r2 + i + 2] * w8;
            acc[o] = (b + s) | 0;
            o += cout;
          }
        }
      }
    }
  }

  /** Any kernel size, stride, dilation and depth multiplier. */
  private anyTaps(): void {
    const { yd, planes, padW, w, bias, acc, mult } = this;
    const { kh, kw, strideH, strideW, dilH, dilW } = this.g;
    const cout = yd.c;
    const plane = this.padH * padW;
    for (let c = 0; c < cout; c++) {
      const base = Math.floor(c / mult) * plane;
      for (let oy = 0; oy < yd.h; oy++) {
        for (let ox = 0; ox < yd.w; ox++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const row = base + (oy * strideH + ky * dilH) * padW + ox * strideW;
            for (let kx = 0; kx < kw; kx++) s += planes[row + kx * dilW] * w[(ky * kw + kx) * cout + c];
          }
          acc[(oy * yd.w + ox) * cout + c] = (bias[c] + s) | 0;
        }
      }
    }
  }
}
