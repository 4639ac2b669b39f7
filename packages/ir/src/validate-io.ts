/**
 * Validation of a graph's boundary lists (`inputs`, `outputs`): what a graph with several
 * inputs and outputs needs so that the interpreter, the generated C API (`<prefix>_input(i)`,
 * `<prefix>_output(i)`) and the harnesses agree on which buffer is which. Called by
 * validateQGraph once every index is known to reference a tensor.
 */

import type { QGraph } from './qgraph.js';
import { QGraphError, tensorWhere } from './errors.js';

/**
 * Refuses a tensor listed twice among the inputs or among the outputs, a tensor that is
 * both a graph input and a graph output (the C API would hand out one buffer under two
 * names, and an output that no op computes). Constant inputs are refused beside the index
 * check in validateQGraph. Every index must already be a valid tensor reference.
 */
export function checkBoundaryLists(g: QGraph): void {
  const firstInput = new Map<number, number>();
  g.inputs.forEach((t, k) => {
    const earlier = firstInput.get(t);
    if (earlier !== undefined) throw new QGraphError(`inputs[${k}]`, `${tensorWhere(g, t)} is already graph input ${earlier}`);
    firstInput.set(t, k);
  });
  const firstOutput = new Map<number, number>();
  g.outputs.forEach((t, k) => {
    const earlier = firstOutput.get(t);
    if (earlier !== undefined) throw new QGraphError(`outputs[${k}]`, `${tensorWhere(g, t)} is already graph output ${earlier}`);
    firstOutput.set(t, k);
    const asInput = firstInput.get(t);
    if (asInput !== undefined) {
      throw new QGraphError(`outputs[${k}]`, `${tensorWhere(g, t)} is also graph input ${asInput}: an output must be computed by an op`);
    }
  });
}
