/**
 * Size bounds of the QGraph contract (docs/quantization-spec.md, "The contract"): what the
 * interpreter and the C runtime can compute with int32 element counts and one static arena.
 * validate.ts calls {@link checkGraphLimits} once the tensors are structurally valid.
 */

import type { QGraph } from './qgraph.js';
import { QGraphError, tensorWhere } from './errors.js';
import { tensorBytes } from './constants.js';
import { numElements, shapeString } from './shapes.js';

/**
 * Largest tensor, in elements (2^28): every element index and byte count of a tensor, and
 * every size the C kernels compute in int32, stays far below 2^31.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/**
 * Largest sum of the bytes of all activation tensors (2^28 = 256 MiB), an upper bound of the
 * arena (before kernel scratch buffers, which are small beside it). No microcontroller edgeq targets has this much RAM; bigger graphs are
 * refused at load time instead of failing later in a compiler or at run time.
 */
export const MAX_ACTIVATION_BYTES = 2 ** 28;

/**
 * Range of every quantisation scale (as float32): normal numbers whose float32 reciprocal is
 * normal too (QUANTIZE multiplies by 1/scale), so no subnormal or infinite value reaches a
 * kernel or a generated C literal.
 */
export const MIN_SCALE = 2 ** -126;
export const MAX_SCALE = 2 ** 126;

/** Refuses a graph with a tensor above {@link MAX_TENSOR_ELEMENTS} or activations above {@link MAX_ACTIVATION_BYTES}. */
export function checkGraphLimits(g: QGraph): void {
  let activationBytes = 0;
  g.tensors.forEach((t, i) => {
    const elements = numElements(t.shape);
    if (elements > MAX_TENSOR_ELEMENTS) {
      throw new QGraphError(`${tensorWhere(g, i)}.shape`, `${shapeString(t.shape)} has ${elements} elements, more than the ${MAX_TENSOR_ELEMENTS} (2^28) a tensor may hold`);
    }
    if (!t.buffer) activationBytes += tensorBytes(t);
  });
  if (activationBytes > MAX_ACTIVATION_BYTES) {
    throw new QGraphError('tensors', `activation tensors take ${activationBytes} bytes in all, more than the ${MAX_ACTIVATION_BYTES} (256 MiB) an arena may hold`);
  }
}
