/**
 * CONV_2D, FULLY_CONNECTED and DEPTHWISE_CONV_2D on the WebAssembly SIMD kernels
 * (wasm/edgeq_interpreter_kernels.c): prepared once per op — weights packed into the
 * instance's memory, requantisation tables built (requant-tables.ts), the walk of a window
 * over the kernel's zero-bordered input plane laid out (convSegments), one descriptor
 * written — then each run calls the kernel on its input's tensor region (copied in only
 * when it comes from elsewhere) and leaves the output in its own region (copied out only
 * when the caller's buffer is elsewhere). Same bits as conv-kernel.ts and depthwise-kernel.ts.
 */

import type { QuantScheme } from '../qgraph.js';
import type { ConvLikeParams } from '../op-params.js';
import type { Hwc } from '../kernels.js';
import type { ConvGeometry } from '../conv-kernel.js';
import type { WasmHeap } from './wasm-heap.js';
import { paddedChannels, requantFields } from './requant-tables.js';

/** A prepared kernel's run: int8 NHWC input to int8 NHWC output. */
export type WasmKernelRun = (x: Int8Array, y: Int8Array) => void;

/** The leading int32 fields of the C `Conv` descriptor: the geometry both kinds share. */
function windowFields(xd: Hwc, yd: Hwc, g: ConvGeometry, p: ConvLikeParams): number[] {
  return [xd.h, xd.w, xd.c, yd.h, yd.w, yd.c, g.kh, g.kw, g.strideH, g.strideW, g.dilH, g.dilW, p.padTop, p.padLeft, p.inZp];
}

/** Where a kernel reads its input and writes its output (tensor regions of the heap). */
export interface WasmTensorIo {
  x: number;
  y: number;
}

/** The run function: input in (unless already there), the kernel on `descriptor`, output out. */
function runner(heap: WasmHeap, kernel: (descriptor: number) => void, descriptor: number, io: WasmTensorIo): WasmKernelRun {
  return (x, y) => {
    heap.copyIn(x, io.x);
    kernel(descriptor);
    heap.copyOut(io.y, y);
  };
}

/** Rows and columns of the zero-bordered plane a window op reads: those the taps reach and those the input fills after the leading padding. */
function planeSize(xd: Hwc, yd: Hwc, g: ConvGeometry, p: ConvLikeParams): { planeH: number; planeW: number } {
  return {
    planeH: Math.max((yd.h - 1) * g.strideH + (g.kh - 1) * g.dilH + 1, p.padTop + xd.h),
    planeW: Math.max((yd.w - 1) * g.strideW + (g.kw - 1) * g.dilW + 1, p.padLeft + xd.w),
  };
}

/** Runs shorter than this many values cost more in loop overhead than an im2col copy of the windows. */
const SHORTEST_RUN = 8;

/**
 * How the CONV_2D kernel walks a window of the plane: as runs of contiguous values, a whole
 * kernel row (kw·cin values) when dilation_w is 1, else one tap (cin values) per run; each
 * run read in pairs (an odd run's last pair takes one value of the next run, weighted 0).
 * When the runs are short and there are several (e.g. a 10x4 kernel over one channel), the
 * kernel copies each window into an im2col row instead and reads it as one run. `offsets`
 * are in int16 elements from the window's start; `position(t)` maps filter depth index
 * t = (ky·kw + kx)·cin + ci to its run and place within the run.
 */
export function convSegments(xd: Hwc, g: ConvGeometry, planeW: number): { im2col: boolean; length: number; offsets: number[]; position: (t: number) => [number, number] } {
  const rowRuns = g.dilW === 1;
  const runLength = rowRuns ? g.kw * xd.c : xd.c;
  const runs = rowRuns ? g.kh : g.kh * g.kw;
  if (runs > 1 && runLength < SHORTEST_RUN) {
    const depth = g.kh * g.kw * xd.c;
    return { im2col: true, length: depth, offsets: [0], position: (t) => [0, t] };
  }
  const offsets: number[] = [];
  for (let ky = 0; ky < g.kh; ky++) {
    for (let kx = 0; kx < (rowRuns ? 1 : g.kw); kx++) offsets.push((ky * g.dilH * planeW + kx * g.dilW) * xd.c);
  }
  return { im2col: false, length: runLength, offsets, position: (t) => [Math.floor(t / runLength), t % runLength] };
}

/**
 * CONV_2D (OHWI filter) or, as a 1x1 conv of one pixel, FULLY_CONNECTED.
 * @returns its run function, usable once the heap is finished
 */
export function prepareWasmConv(
  heap: WasmHeap, io: WasmTensorIo, w: ArrayLike<number>, bias: ArrayLike<number>, xd: Hwc, yd: Hwc, g: ConvGeometry,
  p: ConvLikeParams, scheme: QuantScheme,
): WasmKernelRun {
  const depth = g.kh * g.kw * xd.c;
  const { planeH, planeW } = planeSize(xd, yd, g, p);
  const segments = convSegments(xd, g, planeW);
  const segmentPairs = Math.ceil(segments.length / 2);
  const pairs = segments.offsets.length * segmentPairs;
  const channelsPadded = paddedChannels(yd.c);
  // [channel / 4][pair][4 channels][2 depth steps] (the kernel's pairwise dot products).
  // Widened to int16 once here, so the kernel's dot products read them directly.
  const weights = new Int16Array(channelsPadded * pairs * 2);
  for (let c = 0; c < yd.c; c++) {
    const block = (c >> 2) * pairs * 8 + (c & 3) * 2;
    for (let t = 0; t < depth; t++) {
      const [segment, place] = segments.position(t);
      weights[block + (segment * segmentPairs + (place >> 1)) * 8 + (place & 1)] = w[c * depth + t];
    }
  }
  const weightsAt = heap.allocate(weights.byteLength);
  heap.view().int16.set(weights, weightsAt >> 1);
  const biasAt = heap.allocate(channelsPadded * 4);
  heap.writeInt32(biasAt, Array.from({ length: yd.c }, (_, c) => bias[c]));
  const offsetsAt = heap.allocate(segments.offsets.length * 4);
  heap.writeInt32(offsetsAt, segments.offsets);
  const rq = requantFields(heap, p, scheme, yd.c, channelsPadded);
  const fields = [...windowFields(xd, yd, g, p), segments.offsets.length, segmentPairs, segments.im2col ? 1 : 0, 0, 0, planeH, planeW];
  const descriptor = heap.allocate((fields.length + 6 + rq.length) * 4);
  // The plane (or the im2col rows) lives in the scratch region every op shares, rewritten
  // whole each run: its address is known at finish.
  const scratchBytes = segments.im2col ? yd.h * yd.w * segmentPairs * 4 : planeH * planeW * xd.c * 2;
  heap.useScratch(scratchBytes + 64, (planeAt) => heap.writeInt32(descriptor, [...fields, io.x, io.y, planeAt, weightsAt, biasAt, offsetsAt, ...rq]));
  return runner(heap, (d) => heap.kernels.conv(d), descriptor, io);
}

/** DEPTHWISE_CONV_2D, filter [1, kh, kw, cin·mult], output channel = ci·mult + m. */
export function prepareWasmDepthwise(
  heap: WasmHeap, io: WasmTensorIo, w: ArrayLike<number>, bias: ArrayLike<number>, xd: Hwc, yd: Hwc, g: ConvGeometry, multiplier: number,
  p: ConvLikeParams, scheme: QuantScheme,
): WasmKernelRun {
  const channelsPadded = paddedChannels(yd.c);
  const taps = g.kh * g.kw;
  const weights = new Int16Array(taps * channelsPadded);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < yd.c; c++) weights[t * channelsPadded + c] = w[t * yd.c + c];
  }
  const weightsAt = heap.allocate(weights.byteLength);
  heap.view().int16.set(weights, weightsAt >> 1);
  const biasAt = heap.allocate(channelsPadded * 4);
  heap.writeInt32(biasAt, Array.from({ length: yd.c }, (_, c) => bias[c]));
  const rq = requantFields(heap, p, scheme, yd.c, channelsPadded);
  const { planeH, planeW } = planeSize(xd, yd, g, p);
  const fields = [...windowFields(xd, yd, g, p), 0, 0, 0, multiplier, channelsPadded, planeH, planeW];
  const descriptor = heap.allocate((fields.length + 6 + rq.length) * 4);
  // The planes live in the shared scratch region (rewritten whole each run), hot in cache from the op before.
  heap.useScratch(planeH * planeW * channelsPadded * 2 + 64, (planesAt) => heap.writeInt32(descriptor, [...fields, io.x, io.y, planesAt, weightsAt, biasAt, 0, ...rq]));
  return runner(heap, (d) => heap.kernels.depthwise(d), descriptor, io);
}
