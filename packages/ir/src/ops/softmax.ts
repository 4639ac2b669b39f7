/**
 * SOFTMAX over the last axis of an int8 tensor: an exponent table per op (fixed point,
 * or TFLite's float table in fp32 mode), output scale 1/256 and zero point −128.
 */

import type { OpDefOf, QGraph } from '../qgraph.js';
import type { SoftmaxParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { float32ToBits } from '../quant-math.js';
import { sameShape, shapeString } from '../shapes.js';
import * as kernels from '../kernels.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { needOneActivationInOut } from './checks.js';
import { f32, scaleOf } from './quant-of.js';

export interface SoftmaxOptions {
  beta: number;
}

/** Number of entries of the softmax exponent table (every possible max − x of int8). */
export const SOFTMAX_TABLE_SIZE = 256;
/** Fixed-point fraction bits of the softmax exponent table. */
export const SOFTMAX_TABLE_BITS = 16;

function softmaxParams(g: QGraph, op: OpDefOf<'SOFTMAX'>): SoftmaxParams {
  const sIn = scaleOf(g.tensors[op.inputs[0]]);
  const beta = op.options.beta;
  const expTable = new Uint32Array(SOFTMAX_TABLE_SIZE);
  if (g.quantization.rounding === 'fp32') {
    // TFLite's PopulateSoftmaxLookupTable: scale = −s_in · beta in float32, table = expf(scale · d).
    const scale = f32(-sIn * f32(beta));
    for (let d = 0; d < SOFTMAX_TABLE_SIZE; d++) expTable[d] = float32ToBits(f32(Math.exp(f32(scale * d)))) >>> 0;
    return { kind: 'softmax', expTable, float: true };
  }
  for (let d = 0; d < SOFTMAX_TABLE_SIZE; d++) {
    expTable[d] = Math.round(Math.exp(-d * sIn * beta) * 2 ** SOFTMAX_TABLE_BITS);
  }
  return { kind: 'softmax', expTable, float: false };
}

export const softmax: OpDefinition<'SOFTMAX', SoftmaxOptions, SoftmaxParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y } = needOneActivationInOut(g, op, w);
    if (typeof op.options.beta !== 'number' || !(op.options.beta > 0) || !Number.isFinite(op.options.beta)) throw new QGraphError(`${w}.options.beta`, `must be finite and > 0, got ${op.options.beta}`);
    if (!sameShape(x.shape, y.shape)) throw new QGraphError(w, `output shape ${shapeString(y.shape)} differs from input ${shapeString(x.shape)}`);
    if (x.shape[x.shape.length - 1] > 4096) throw new QGraphError(w, 'softmax over more than 4096 classes is not supported');
    if (Math.fround(y.quant!.scale[0]) !== 1 / 256 || y.quant!.zeroPoint[0] !== -128) {
      throw new QGraphError(`${w}.outputs[0]`, `softmax output must have scale 1/256 and zero point -128, got ${y.quant!.scale[0]} and ${y.quant!.zeroPoint[0]}`);
    }
  },
  deriveParams: softmaxParams,
  prepare(g, op, params) {
    const shape = g.tensors[op.inputs[0]].shape;
    const classes = shape[shape.length - 1];
    return (inputs, y) => kernels.softmax(inputs[0] as Int8Array, classes, y as Int8Array, params);
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
