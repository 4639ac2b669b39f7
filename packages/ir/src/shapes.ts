/**
 * Shape arithmetic of the integer core: element counts, TFLite SAME/VALID output sizes
 * and padding (SAME puts the odd extra row/column at the bottom/right).
 */

import type { Padding } from './qgraph.js';

export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Output size and leading padding of one spatial dimension. */
export interface SpatialGeometry {
  out: number;
  padBefore: number;
  padAfter: number;
}

export function spatialGeometry(
  inSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
): SpatialGeometry {
  const effK = (kernel - 1) * dilation + 1;
  const out =
    padding === 'SAME' ? Math.ceil(inSize / stride) : Math.ceil((inSize - effK + 1) / stride);
  const total = padding === 'SAME' ? Math.max((out - 1) * stride + effK - inSize, 0) : 0;
  const padBefore = Math.floor(total / 2);
  return { out, padBefore, padAfter: total - padBefore };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function shapeString(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
