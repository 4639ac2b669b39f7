/**
 * CONV_2D, FULLY_CONNECTED and DEPTHWISE_CONV_2D on the WebAssembly SIMD kernels
 * (wasm/edgeq_interpreter_kernels.c): prepared once per op — weights packed into the
 * instance's memory, requantisation tables built (requant-tables.ts), one descriptor
 * written — then each run copies the input in, calls the kernel and copies the output
 * out. Same inputs, same bits as conv-kernel.ts and depthwise-kernel.ts.
 */

import type { QuantScheme } from '../qgraph.js';
import type { ConvLikeParams } from '../op-params.js';
import type { Hwc } from '../kernels.js';
import type { ConvGeometry } from '../conv-kernel.js';
import { align, type WasmHeap } from './wasm-heap.js';
import { paddedChannels, requantFields } from './requant-tables.js';

/** A prepared kernel's run: int8 NHWC input to int8 NHWC output. */
export type WasmKernelRun = (x: Int8Array, y: Int8Array) => void;

/** The leading int32 fields of the C `Conv` descriptor: the geometry both kinds share. */
function windowFields(xd: Hwc, yd: Hwc, g: ConvGeometry, p: ConvLikeParams): number[] {
  return [xd.h, xd.w, xd.c, yd.h, yd.w, yd.c, g.kh, g.kw, g.strideH, g.strideW, g.dilH, g.dilW, p.padTop, p.padLeft, p.inZp];
}

/** Scratch offsets of the input and output copies, and the bytes they take. */
function inputOutputLayout(inputBytes: number, outputBytes: number): { x: number; y: number; end: number } {
  const y = align(inputBytes + 64, 16);
  return { x: 0, y, end: align(y + outputBytes + 64, 16) };
}

/** The run function: copy x in, call the kernel on `descriptor`, copy y out. */
function runner(heap: WasmHeap, kernel: (descriptor: number) => void, descriptor: number, layout: { x: number; y: number }): (base: number) => WasmKernelRun {
  return (base) => (x, y) => {
    const memory = heap.view().int8;
    memory.set(x, base + layout.x);
    kernel(descriptor);
    const at = base + layout.y;
    y.set(memory.subarray(at, at + y.length));
  };
}

/**
 * CONV_2D (OHWI filter) or, as a 1x1 conv of one pixel, FULLY_CONNECTED.
 * @returns a function that runs it once the heap is finished (`bound`)
 */
export function prepareWasmConv(
  heap: WasmHeap, w: ArrayLike<number>, bias: ArrayLike<number>, xd: Hwc, yd: Hwc, g: ConvGeometry,
  p: ConvLikeParams, scheme: QuantScheme,
): { run: WasmKernelRun } {
  const depth = g.kh * g.kw * xd.c;
  const depthPadded = align(depth, 8);
  const channelsPadded = paddedChannels(yd.c);
  // [channel / 4][depth / 2][4 channels][2 depth steps] (the kernel's pairwise dot products).
  // Widened to int16 once here, so the kernel's dot products read them directly.
  const weights = new Int16Array(channelsPadded * depthPadded);
  const pairs = depthPadded / 2;
  for (let c = 0; c < yd.c; c++) {
    const block = (c >> 2) * pairs * 8 + (c & 3) * 2;
    for (let t = 0; t < depth; t++) weights[block + (t >> 1) * 8 + (t & 1)] = w[c * depth + t];
  }
  const weightsAt = heap.allocate(weights.byteLength);
  heap.view().int16.set(weights, weightsAt >> 1);
  const biasAt = heap.allocate(channelsPadded * 4);
  heap.writeInt32(biasAt, Array.from({ length: yd.c }, (_, c) => bias[c]));
  const rq = requantFields(heap, p, scheme, yd.c, channelsPadded);
  const direct = g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && p.padTop === 0 && p.padLeft === 0;
  const pixels = yd.h * yd.w;
  const layout = inputOutputLayout(xd.h * xd.w * xd.c, pixels * yd.c);
  const rowsAt = layout.end;
  const scratch = rowsAt + (pixels + 1) * depthPadded * 2 + 64;
  const fields = [...windowFields(xd, yd, g, p), depth, depthPadded, direct ? 1 : 0, 0, 0, 0, 0];
  const descriptor = heap.allocate((fields.length + 5 + rq.length) * 4);
  const bind = runner(heap, (d) => heap.kernels.conv(d), descriptor, layout);
  const kernel: { run: WasmKernelRun } = { run: () => { throw new Error('WasmHeap.finish was not called'); } };
  heap.useScratch(scratch, (base) => {
    heap.writeInt32(descriptor, [...fields, base + layout.x, base + layout.y, base + rowsAt, weightsAt, biasAt, ...rq]);
    kernel.run = bind(base);
  });
  return kernel;
}

/** DEPTHWISE_CONV_2D, filter [1, kh, kw, cin·mult], output channel = ci·mult + m. */
export function prepareWasmDepthwise(
  heap: WasmHeap, w: ArrayLike<number>, bias: ArrayLike<number>, xd: Hwc, yd: Hwc, g: ConvGeometry, multiplier: number,
  p: ConvLikeParams, scheme: QuantScheme,
): { run: WasmKernelRun } {
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
  // Rows and columns the taps reach, and those the input occupies after the leading padding.
  const planeH = Math.max((yd.h - 1) * g.strideH + (g.kh - 1) * g.dilH + 1, p.padTop + xd.h);
  const planeW = Math.max((yd.w - 1) * g.strideW + (g.kw - 1) * g.dilW + 1, p.padLeft + xd.w);
  // The planes keep their zero border between runs, so they are the op's own, not scratch.
  const planesAt = heap.allocate(planeH * planeW * channelsPadded * 2);
  const layout = inputOutputLayout(xd.h * xd.w * xd.c, yd.h * yd.w * yd.c);
  const fields = [...windowFields(xd, yd, g, p), 0, 0, 0, multiplier, planeH, planeW, channelsPadded];
  const descriptor = heap.allocate((fields.length + 5 + rq.length) * 4);
  const bind = runner(heap, (d) => heap.kernels.depthwise(d), descriptor, layout);
  const kernel: { run: WasmKernelRun } = { run: () => { throw new Error('WasmHeap.finish was not called'); } };
  heap.useScratch(layout.end, (base) => {
    heap.writeInt32(descriptor, [...fields, base + layout.x, base + layout.y, planesAt, weightsAt, biasAt, ...rq]);
    kernel.run = bind(base);
  });
  return kernel;
}
