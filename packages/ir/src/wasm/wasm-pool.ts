/**
 * AVERAGE_POOL_2D and MAX_POOL_2D on the WebAssembly SIMD kernel: the arithmetic of
 * kernels.ts `pool2d` (sum or maximum over the valid part of each window, the average
 * rounded half away from zero, clamped). The average's division is done in float32, exact
 * while |sum| + count/2 < 2^24 (see the C comment), i.e. for windows below 2^16 elements;
 * larger windows keep the TypeScript kernel.
 */

import type { PoolParams } from '../op-params.js';
import type { Hwc } from '../kernels.js';
import type { WasmHeap } from './wasm-heap.js';
import type { WasmTensorIo } from './wasm-conv.js';

/** Largest window the float32 division is exact for (|sum| ≤ 128 · count). */
const MAX_WINDOW = 65535;

/** Prepare a pooling op, or undefined when its window is too large for the kernel. */
export function prepareWasmPool(
  heap: WasmHeap, io: WasmTensorIo, isAverage: boolean, xd: Hwc, yd: Hwc, filter: [number, number], stride: [number, number], p: PoolParams,
): ((x: Int8Array, y: Int8Array) => void) | undefined {
  if (filter[0] * filter[1] > MAX_WINDOW) return undefined;
  const descriptor = heap.allocate(16 * 4);
  heap.writeInt32(descriptor, [
    xd.h, xd.w, xd.c, yd.h, yd.w, filter[0], filter[1], stride[0], stride[1], p.padTop, p.padLeft,
    isAverage ? 1 : 0, p.actMin, p.actMax, io.x, io.y,
  ]);
  return (x, y) => {
    heap.copyIn(x, io.x);
    heap.kernels.pool(descriptor);
    heap.copyOut(io.y, y);
  };
}
