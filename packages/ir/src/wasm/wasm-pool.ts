/**
 * AVERAGE_POOL_2D and MAX_POOL_2D on the WebAssembly SIMD kernel: the arithmetic of
 * kernels.ts `pool2d` (sum or maximum over the valid part of each window, the average
 * rounded half away from zero, clamped). The average's division is done in float32, exact
 * while |sum| + count/2 < 2^24 (see the C comment), i.e. for windows below 2^16 elements;
 * larger windows keep the TypeScript kernel.
 */

import type { PoolParams } from '../op-params.js';
import type { Hwc } from '../kernels.js';
import { align, type WasmHeap } from './wasm-heap.js';

/** Largest window the float32 division is exact for (|sum| ≤ 128 · count). */
const MAX_WINDOW = 65535;

/** Prepare a pooling op, or undefined when its window is too large for the kernel. */
export function prepareWasmPool(
  heap: WasmHeap, isAverage: boolean, xd: Hwc, yd: Hwc, filter: [number, number], stride: [number, number], p: PoolParams,
): ((x: Int8Array, y: Int8Array) => void) | undefined {
  if (filter[0] * filter[1] > MAX_WINDOW) return undefined;
  const inputBytes = align(xd.h * xd.w * xd.c + 64, 16);
  const outputBytes = yd.h * yd.w * yd.c;
  const descriptor = heap.allocate(16 * 4);
  let bound: ((x: Int8Array, y: Int8Array) => void) | undefined;
  heap.useScratch(inputBytes + outputBytes + 64, (base) => {
    const [xAt, yAt] = [base, base + inputBytes];
    heap.writeInt32(descriptor, [
      xd.h, xd.w, xd.c, yd.h, yd.w, filter[0], filter[1], stride[0], stride[1], p.padTop, p.padLeft,
      isAverage ? 1 : 0, p.actMin, p.actMax, xAt, yAt,
    ]);
    bound = (x, y) => {
      const memory = heap.view().int8;
      memory.set(x, xAt);
      heap.kernels.pool(descriptor);
      y.set(memory.subarray(yAt, yAt + outputBytes));
    };
  });
  return (x, y) => bound!(x, y);
}
