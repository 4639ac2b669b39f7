/**
 * Static costs of a model that need no device: MACs (the ir's op registry counts them),
 * parameter count, and the arena and constant bytes of the generated C. Speed is measured
 * in inference-timing.ts; Cortex-M flash/RAM/instructions come from @edgeq/harness's targets.
 */

import { graphMacs, numElements, type QGraph } from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';

/** Static costs of a graph. */
export interface GraphCosts {
  ops: number;
  macs: number;
  parameters: number;
  arenaBytes: number;
  constBytes: number;
}

/** Number of weight and bias elements. */
export function countParameters(g: QGraph): number {
  return g.tensors.filter((t) => t.buffer).reduce((s, t) => s + numElements(t.shape), 0);
}

/** MACs, parameters, arena and constant bytes (generates the C in memory). */
export async function graphCosts(g: QGraph): Promise<GraphCosts> {
  const gen = await generateModel(g);
  return { ops: g.ops.length, macs: graphMacs(g), parameters: countParameters(g), arenaBytes: gen.plan.arenaBytes, constBytes: gen.constBytes };
}
