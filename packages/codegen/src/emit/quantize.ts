/** QUANTIZE float32 → int8 at the graph boundary: scalar arguments, no struct. */

import { numElements, type BoundaryParams } from '@edgeq/ir';
import { floatLiteral } from '../c-syntax.js';
import type { OpEmitter } from './emitter-support.js';

export const quantizeEmitter: OpEmitter<'QUANTIZE'> = {
  structs: [],
  emit({ ctx, op, params, input, output }) {
    const p = params as BoundaryParams;
    const count = numElements(ctx.graph.tensors[op.outputs[0]].shape);
    return `edgeq_quantize_f32_s8((const float *)(const void *)${input}, ${output}, ${count}, ${floatLiteral(p.scale)}, ${p.zeroPoint}, ${ctx.modeEnum});`;
  },
};
