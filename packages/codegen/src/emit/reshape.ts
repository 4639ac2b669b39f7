/** RESHAPE: a byte copy (the memory planner aliases it in place when it can). */

import { numElements } from '@edgeq/ir';
import type { OpEmitter } from './emitter-support.js';

export const reshapeEmitter: OpEmitter<'RESHAPE'> = {
  structs: [],
  emit: ({ ctx, op, input, output }) => `edgeq_copy_s8(${input}, ${output}, ${numElements(ctx.graph.tensors[op.outputs[0]].shape)});`,
};
