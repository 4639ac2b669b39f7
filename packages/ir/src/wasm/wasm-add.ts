/**
 * ADD on the WebAssembly SIMD kernel when the graph's arithmetic is XNNPACK's (fp32 mode in
 * its range): out = ((m1·(a − zp1) + m2·(b − zp2) + 2^(shift−1)) >> shift) + zp_out,
 * clamped — the formula of add-kernel.ts `runXnnpack`, evaluated in int32 lanes as
 * m1·a + m2·b + k with k = 2^(shift−1) − m1·zp1 − m2·zp2. That is exact when every partial
 * sum stays below 2^31, which is checked here from the multipliers; otherwise, and in the
 * other modes, the op keeps its TypeScript kernel (table-driven, add-kernel.ts). The kernel
 * works 16 bytes at a time: the tensor regions' slack takes the overrun.
 */

import type { QuantScheme } from '../qgraph.js';
import type { AddParams } from '../op-params.js';
import { addArithmetic } from '../requant-derive.js';
import type { WasmHeap } from './wasm-heap.js';

/** Prepare ADD of `elements`-element tensors, or undefined when the kernel does not apply. */
export function prepareWasmAdd(
  heap: WasmHeap, io: { a: number; b: number; y: number }, p: AddParams, scheme: QuantScheme, elements: number,
): ((a: Int8Array, b: Int8Array, y: Int8Array) => void) | undefined {
  if (addArithmetic(p.leftShift, scheme) !== 'xnnpack') return undefined;
  const [m1, m2, shift] = [p.in1.multiplier[0], p.in2.multiplier[0], p.out.shift[0]];
  if (shift < 1 || shift > 31 || m1 < 0 || m2 < 0) return undefined;
  const k = 2 ** (shift - 1) - m1 * p.in1Zp - m2 * p.in2Zp;
  if (256 * (m1 + m2) + Math.abs(k) >= 2 ** 31) return undefined;
  const descriptor = heap.allocate(11 * 4);
  heap.writeInt32(descriptor, [elements, io.a, io.b, io.y, m1, m2, k, shift, p.outZp, p.actMin, p.actMax]);
  return (a, b, y) => {
    heap.copyIn(a, io.a);
    heap.copyIn(b, io.b);
    heap.kernels.add_xnnpack(descriptor);
    heap.copyOut(io.y, y);
  };
}
