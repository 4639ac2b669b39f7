/**
 * The generated API's view of a graph's inputs and outputs: for each, what model.h
 * documents (position, name, dtype, shape, scale, zero point), its size and quantisation
 * macros, an index macro named after the tensor (`<PREFIX>_INPUT_<NAME>`), and its arena
 * offset for `<prefix>_input(i)` / `<prefix>_output(i)`. Names pass through c-syntax's
 * sanitisers; clashing names get numbered suffixes.
 */

import { dtypeByteLength, numElements, type QGraph } from '@edgeq/ir';
import { commentText, floatLiteral, sanitizeIdentifier } from './c-syntax.js';

/** Template context of one graph input or output. */
export interface BoundaryContext {
  /** `input 0 "image": int8 [1, 28, 28, 1], scale 0.00392156886f, zero point -128` (comment-safe). */
  description: string;
  /** Upper-case identifier fragment of the tensor name, unique among the inputs (or outputs). */
  macroName: string;
  dtype: string;
  shapeText: string;
  elements: number;
  bytes: number;
  scale: string;
  zeroPoint: number;
  isInt8: boolean;
  offset: number;
}

function boundaryContexts(g: QGraph, tensors: readonly number[], offsets: ReadonlyMap<number, number>, kind: 'input' | 'output'): BoundaryContext[] {
  const used = new Set<string>();
  return tensors.map((index, position) => {
    const t = g.tensors[index];
    const q = t.quant;
    const base = sanitizeIdentifier(t.name).toUpperCase();
    let macroName = base;
    for (let k = 2; used.has(macroName); k++) macroName = `${base}_${k}`;
    used.add(macroName);
    const scale = q ? floatLiteral(q.scale[0]) : '1.0f';
    const zeroPoint = q ? q.zeroPoint[0] : 0;
    const quantText = q ? `scale ${scale}, zero point ${zeroPoint}` : 'not quantised';
    return {
      description: `${kind} ${position} "${commentText(t.name)}": ${t.dtype} [${t.shape.join(', ')}], ${quantText}`,
      macroName,
      dtype: t.dtype,
      shapeText: t.shape.join(', '),
      elements: numElements(t.shape),
      bytes: dtypeByteLength(t.dtype, numElements(t.shape)),
      scale,
      zeroPoint,
      isInt8: t.dtype === 'int8',
      offset: offsets.get(index)!,
    };
  });
}

/** Template contexts of the graph inputs and outputs, in order. */
export function boundaryApi(g: QGraph, offsets: ReadonlyMap<number, number>): { inputs: BoundaryContext[]; outputs: BoundaryContext[] } {
  return { inputs: boundaryContexts(g, g.inputs, offsets, 'input'), outputs: boundaryContexts(g, g.outputs, offsets, 'output') };
}
