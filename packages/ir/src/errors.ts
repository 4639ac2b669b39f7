/**
 * Errors raised when a QGraph (or a file that should hold one) is malformed. Every error
 * names where the fault is: the file, the op (index and name), the tensor, the field.
 */

import type { QGraph } from './qgraph.js';

export class QGraphError extends Error {
  /** Where the fault is, e.g. `ops[3] "conv1".options.strideH` or `tensors[7] "w".quant.scale[2]`. */
  readonly where: string;
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'QGraphError';
    this.where = where;
  }
}

/** How errors name tensor `index` of a graph: `tensors[7] "conv1/weights"`. */
export function tensorWhere(g: QGraph, index: number): string {
  return `tensors[${index}] ${JSON.stringify(g.tensors[index]?.name ?? '?')}`;
}
