/**
 * What AVERAGE_POOL_2D and MAX_POOL_2D share: options, validation (window fits, output
 * shares the input's quantisation), padding and clamp parameters, and the kernel binding.
 */

import type { FusedActivation, OpDefOf, Padding, QGraph } from '../qgraph.js';
import type { PoolParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { activationRange } from '../quant-math.js';
import { shapeString, spatialGeometry } from '../shapes.js';
import * as kernels from '../kernels.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { checkWindowedOp, needShape, outputOf, sameQuant } from './checks.js';
import { inputOutputDims } from './kernel-binding.js';
import { scaleOf, zpOf } from './quant-of.js';

export interface PoolOptions {
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  activation: FusedActivation;
}

type PoolOp = OpDefOf<'AVERAGE_POOL_2D'> | OpDefOf<'MAX_POOL_2D'>;

function checkPool(g: QGraph, op: PoolOp, w: string): void {
  const out = outputOf(g, op);
  const x = checkWindowedOp(g, op, w, 1, ['filterH', 'filterW', 'strideH', 'strideW']);
  const opts = op.options;
  const gh = spatialGeometry(x.shape[1], opts.filterH, opts.strideH, 1, opts.padding);
  const gw = spatialGeometry(x.shape[2], opts.filterW, opts.strideW, 1, opts.padding);
  if (gh.out < 1 || gw.out < 1) throw new QGraphError(w, `window does not fit input ${shapeString(x.shape)}`);
  needShape(`${w}.outputs[0]`, 'output', out, [1, gh.out, gw.out, x.shape[3]]);
  sameQuant(g, w, op.inputs[0], op.outputs[0]);
}

function poolParams(g: QGraph, op: OpDefOf<'AVERAGE_POOL_2D'> | OpDefOf<'MAX_POOL_2D'>): PoolParams {
  const inT = g.tensors[op.inputs[0]];
  const outT = g.tensors[op.outputs[0]];
  const o = op.options;
  const [actMin, actMax] = activationRange(o.activation, scaleOf(outT), zpOf(outT));
  return {
    kind: 'pool',
    padTop: spatialGeometry(inT.shape[1], o.filterH, o.strideH, 1, o.padding).padBefore,
    padLeft: spatialGeometry(inT.shape[2], o.filterW, o.strideW, 1, o.padding).padBefore,
    actMin,
    actMax,
  };
}

/** The definition of a 2-D pooling op: averaging (`isAverage`) or maximum over each window. */
export function poolDefinition(isAverage: boolean): OpDefinition<PoolOp['type'], PoolOptions, PoolParams> {
  return {
    version: 1,
    validate: checkPool,
    deriveParams: poolParams,
    prepare(g, op, params) {
      const o = op.options;
      const [xd, yd] = inputOutputDims(g, op);
      return (inputs, y) => kernels.pool2d(isAverage, inputs[0] as Int8Array, xd, y as Int8Array, yd, o.filterH, o.filterW, o.strideH, o.strideW, params);
    },
    macs: NO_MACS,
    memory: SEPARATE_OUTPUT,
  };
}
