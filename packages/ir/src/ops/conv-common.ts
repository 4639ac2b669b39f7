/**
 * What CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED share (as TFLite Micro's
 * conv_common): the per-channel requantisation of the int32 accumulator, the output
 * clamp and the padding offsets; and the validation both convolutions share.
 */

import type { OpDefOf, QGraph } from '../qgraph.js';
import type { ConvLikeParams } from '../op-params.js';
import type { ConvGeometry } from '../conv-kernel.js';
import { QGraphError } from '../errors.js';
import { convRequant } from '../requant-derive.js';
import { activationRange } from '../quant-math.js';
import { shapeString, spatialGeometry } from '../shapes.js';
import { checkAccumulator, checkWeightsBias, checkWindowedOp, isInt, needShape, outputOf } from './checks.js';
import { opWhere, scaleOf, zpOf } from './quant-of.js';
import { SEPARATE_OUTPUT } from './definition.js';

/** Derived parameters of a conv-like op: zero points, clamp, padding, per-channel requantisation. */
export function convParams(
  g: QGraph,
  op: OpDefOf<'CONV_2D'> | OpDefOf<'DEPTHWISE_CONV_2D'> | OpDefOf<'FULLY_CONNECTED'>,
): ConvLikeParams {
  const [inT, wT] = [g.tensors[op.inputs[0]], g.tensors[op.inputs[1]]];
  const outT = g.tensors[op.outputs[0]];
  const channels = op.type === 'FULLY_CONNECTED' ? wT.shape[0] : outT.shape[3];
  const sOut = scaleOf(outT);
  const [actMin, actMax] = activationRange(op.options.activation, sOut, zpOf(outT));
  let padTop = 0;
  let padLeft = 0;
  if (op.type !== 'FULLY_CONNECTED') {
    const o = op.options;
    padTop = spatialGeometry(inT.shape[1], wT.shape[1], o.strideH, o.dilationH, o.padding).padBefore;
    padLeft = spatialGeometry(inT.shape[2], wT.shape[2], o.strideW, o.dilationW, o.padding).padBefore;
  }
  return {
    kind: 'conv',
    inZp: zpOf(inT),
    outZp: zpOf(outT),
    actMin,
    actMax,
    padTop,
    padLeft,
    requant: convRequant(op.type, scaleOf(inT), wT.quant!.scale, sOut, channels, g.quantization, opWhere(g, op)),
  };
}

/** The members CONV_2D and DEPTHWISE_CONV_2D define alike: version, validation, parameters, memory. */
export const CONVOLUTION_COMMON = {
  version: 1,
  validate: checkConvolution,
  deriveParams: convParams,
  memory: SEPARATE_OUTPUT,
};

/** Validation of CONV_2D and DEPTHWISE_CONV_2D (options, input, filter, output, bias, accumulator bound). */
export function checkConvolution(g: QGraph, op: OpDefOf<'CONV_2D'> | OpDefOf<'DEPTHWISE_CONV_2D'>, w: string): void {
  const out = outputOf(g, op);
  const x = checkWindowedOp(g, op, w, 3, ['strideH', 'strideW', 'dilationH', 'dilationW']);
  const wt = g.tensors[op.inputs[1]];
  if (wt.shape.length !== 4) throw new QGraphError(`${w}.inputs[1]`, `filter must be 4-D, got ${shapeString(wt.shape)}`);
  const opts = op.options;
  const gh = spatialGeometry(x.shape[1], wt.shape[1], opts.strideH, opts.dilationH, opts.padding);
  const gw = spatialGeometry(x.shape[2], wt.shape[2], opts.strideW, opts.dilationW, opts.padding);
  if (gh.out < 1 || gw.out < 1) throw new QGraphError(w, `filter ${wt.shape[1]}x${wt.shape[2]} does not fit input ${shapeString(x.shape)} with VALID padding`);
  let cout: number;
  if (op.type === 'CONV_2D') {
    if (wt.shape[3] !== x.shape[3]) throw new QGraphError(`${w}.inputs[1]`, `filter ${shapeString(wt.shape)} (OHWI) expects ${wt.shape[3]} input channels, input has ${x.shape[3]}`);
    cout = wt.shape[0];
  } else {
    const mult = op.options.depthMultiplier;
    if (!isInt(mult) || mult < 1) throw new QGraphError(`${w}.options.depthMultiplier`, `must be an integer ≥ 1, got ${JSON.stringify(mult)}`);
    if (wt.shape[0] !== 1 || wt.shape[3] !== x.shape[3] * mult) throw new QGraphError(`${w}.inputs[1]`, `depthwise filter ${shapeString(wt.shape)} must be [1, kh, kw, ${x.shape[3] * mult}]`);
    cout = wt.shape[3];
  }
  needShape(`${w}.outputs[0]`, 'output', out, [1, gh.out, gw.out, cout]);
  checkWeightsBias(g, w, op, cout, op.type === 'CONV_2D' ? 0 : 3);
  checkAccumulator(g, w, op.inputs[2], wt.shape[1] * wt.shape[2] * (op.type === 'CONV_2D' ? wt.shape[3] : 1));
}

/** The interpreter kernels' view of a convolution: filter size, strides, dilations. */
export function convGeometry(g: QGraph, op: OpDefOf<'CONV_2D'> | OpDefOf<'DEPTHWISE_CONV_2D'>): ConvGeometry {
  const o = op.options;
  const ws = g.tensors[op.inputs[1]].shape;
  return { kh: ws[1], kw: ws[2], strideH: o.strideH, strideW: o.strideW, dilH: o.dilationH, dilW: o.dilationW };
}
