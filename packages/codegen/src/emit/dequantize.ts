/** DEQUANTIZE int8 → float32 at the graph boundary: scalar arguments, no struct. */

import { numElements, type BoundaryParams } from '@edgeq/ir';
import { floatLiteral } from '../c-syntax.js';
import type { OpEmitter } from './emitter-support.js';

export const dequantizeEmitter: OpEmitter<'DEQUANTIZE'> = {
  structs: [],
  emit({ ctx, op, params, input, output }) {
    const p = params as BoundaryParams;
    const count = numElements(ctx.graph.tensors[op.outputs[0]].shape);
    return `edgeq_dequantize_s8_f32(${input}, (float *)(void *)${output}, ${count}, ${floatLiteral(p.scale)}, ${p.zeroPoint});`;
  },
};
