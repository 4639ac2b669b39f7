/**
 * MEAN over H and W with its per-channel sums on the WebAssembly SIMD kernel: the kernel
 * adds the raw int8 values of each channel (int32 lanes; MEAN's validation keeps
 * 255·H·W < 2^31), and each output is finished by kernels.ts `meanOfSum` on
 * Σx − count·zp = Σ(x − zp), the integer the TypeScript kernel sums: same bits.
 */

import type { QuantScheme } from '../qgraph.js';
import type { MeanParams } from '../op-params.js';
import type { Hwc } from '../kernels.js';
import { meanOfSum } from '../kernels.js';
import { align, type WasmHeap } from './wasm-heap.js';

/** Prepare MEAN over H and W of an NHWC tensor with dims `xd`, its input at tensor region `xAt`. */
export function prepareWasmMean(heap: WasmHeap, xAt: number, xd: Hwc, p: MeanParams, scheme: QuantScheme): (x: Int8Array, y: Int8Array) => void {
  const pixels = xd.h * xd.w;
  const sumsAt = heap.allocate(align(xd.c, 8) * 4);
  const descriptor = heap.allocate(4 * 4);
  heap.writeInt32(descriptor, [pixels, xd.c, xAt, sumsAt]);
  const offset = pixels * p.inZp;
  return (x, y) => {
    heap.copyIn(x, xAt);
    heap.kernels.channel_sums(descriptor);
    const sums = heap.view().int32;
    for (let c = 0; c < xd.c; c++) y[c] = meanOfSum(sums[(sumsAt >> 2) + c] - offset, p, scheme);
  };
}
