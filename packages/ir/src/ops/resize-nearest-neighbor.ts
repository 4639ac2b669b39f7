/**
 * RESIZE_NEAREST_NEIGHBOR: each output pixel of an NHWC int8 tensor copies one input pixel
 * (Keras UpSampling2D "nearest"). Which input row and column is TFLite's float32 rule,
 * evaluated here once per output row and column; the interpreter and the C kernel only look
 * the indices up, so both runtimes copy the same pixels without float arithmetic.
 */

import type { QGraph } from '../qgraph.js';
import { QGraphError } from '../errors.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { needOneNhwcInOut, optionFields, sameQuant } from './checks.js';
import { f32 } from './quant-of.js';

export interface ResizeNearestNeighborOptions {
  /** Corner pixels of input and output line up (scale (in − 1)/(out − 1), rounded index). */
  alignCorners: boolean;
  /** Sample at pixel centres (offset 0.5). At most one of the two flags may be set. */
  halfPixelCenters: boolean;
}

export interface ResizeNearestNeighborParams {
  kind: 'resize-nearest-neighbor';
  /** Input row read by each output row. */
  sourceRows: Int32Array;
  /** Input column read by each output column. */
  sourceCols: Int32Array;
}

/**
 * TFLite's nearest-neighbour index (reference_ops GetNearestNeighbor), in float32:
 * scale = f32(in / out), or f32((in − 1)/(out − 1)) with align corners and out > 1;
 * v = f32(f32(i + offset) · scale), offset 0.5 with half-pixel centres; index = round half
 * away from zero (align corners) or floor of v, at most in − 1, at least 0.
 */
export function nearestSourceIndices(inSize: number, outSize: number, o: ResizeNearestNeighborOptions): Int32Array {
  const scale = o.alignCorners && outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : f32(inSize / outSize);
  const offset = o.halfPixelCenters ? 0.5 : 0;
  const indices = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const v = f32(f32(i + offset) * scale);
    const index = o.alignCorners ? Math.sign(v) * Math.floor(Math.abs(v) + 0.5) : Math.floor(v);
    indices[i] = Math.max(0, Math.min(index, inSize - 1));
  }
  return indices;
}

export const resizeNearestNeighbor: OpDefinition<'RESIZE_NEAREST_NEIGHBOR', ResizeNearestNeighborOptions, ResizeNearestNeighborParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y } = needOneNhwcInOut(g, op, w);
    const o = optionFields(op);
    for (const key of ['alignCorners', 'halfPixelCenters']) {
      if (typeof o[key] !== 'boolean') throw new QGraphError(`${w}.options.${key}`, `must be a boolean, got ${JSON.stringify(o[key])}`);
    }
    if (op.options.alignCorners && op.options.halfPixelCenters) {
      throw new QGraphError(`${w}.options`, 'alignCorners and halfPixelCenters cannot both be true');
    }
    if (y.shape[3] !== x.shape[3]) throw new QGraphError(`${w}.outputs[0]`, `output has ${y.shape[3]} channels, input ${x.shape[3]}`);
    sameQuant(g, w, op.inputs[0], op.outputs[0]);
  },
  deriveParams(g: QGraph, op) {
    const [inShape, outShape] = [g.tensors[op.inputs[0]].shape, g.tensors[op.outputs[0]].shape];
    return {
      kind: 'resize-nearest-neighbor',
      sourceRows: nearestSourceIndices(inShape[1], outShape[1], op.options),
      sourceCols: nearestSourceIndices(inShape[2], outShape[2], op.options),
    };
  },
  prepare(g, op, params) {
    const [inW, channels] = [g.tensors[op.inputs[0]].shape[2], g.tensors[op.inputs[0]].shape[3]];
    const { sourceRows, sourceCols } = params;
    return (inputs, output) => {
      const x = inputs[0] as Int8Array;
      const y = output as Int8Array;
      let at = 0;
      for (const row of sourceRows) {
        for (const col of sourceCols) {
          const from = (row * inW + col) * channels;
          y.set(x.subarray(from, from + channels), at);
          at += channels;
        }
      }
    };
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
