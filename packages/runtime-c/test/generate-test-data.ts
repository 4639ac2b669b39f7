/**
 * Test-data generator of runtime-c's own tests (CMSIS-NN TestData style): for every public
 * kernel of edgeq.h it builds a few small one-op QGraphs, runs the @edgeq/ir Interpreter to
 * get the expected output, and renders each case as C data (inputs, weights, the kernel's
 * parameter struct, expected output) as JSON in test/data/<kernel>.json (c-test-data.ts renders
 * it to the C headers that test/c/run_cases.c, the C runner, compiles against).
 * Integer parameters come from the IR's derivations (deriveOpParams) and, for the fast
 * kernels, from codegen's planner (planFastOp), exactly what generated firmware uses.
 *
 *   npx tsx packages/runtime-c/test/generate-test-data.ts   # rewrites test/data/
 *
 * A new kernel gets tested in four places: its enumerator in c/edgeq_test_case.h, its call
 * in run_kernel() of c/run_cases.c, a suite here (cases + the function that renders its
 * parameter struct, listed in testSuites()), then this script to write its JSON.
 * kernels.test.ts fails until all four agree (stale data, a kernel edgeq.h declares but the
 * runner never calls, or a suite without cases).
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  GraphBuilder,
  bitsToFloat32,
  Interpreter,
  constantData,
  deriveOpParams,
  mulberry32,
  numElements,
  packInt4,
  q,
  type AddParams,
  type BoundaryParams,
  type ConcatParams,
  type ConvLikeParams,
  type FusedActivation,
  type MeanParams,
  type OpDef,
  type Padding,
  type PadParams,
  type PoolParams,
  type QGraph,
  type QuantScheme,
  type LogisticParams,
  type ResizeNearestNeighborParams,
  type StridedSliceParams,
  type SoftmaxParams,
  type TensorData,
} from '@edgeq/ir';
import { COMPUTED_SOFTMAX_SCRATCH_BYTES, decideFastOp, planComputedSoftmax, planFastAdd, planFastOp, type CStructValues, type CValue, type FastMode, type FastPlanOptions, type WeightStorage } from '@edgeq/codegen';
import { renderHeaders, type BufferSizeData, type CaseEntry, type Declaration, type SuiteData } from './c-test-data.js';

/** Directory the generator writes and the test reads. */
export const TEST_DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

const SCHEMES: Record<FastMode | 'fp32', QuantScheme> = {
  tflm: { scales: 'fixed', rounding: 'tflm' },
  single: { scales: 'fixed', rounding: 'single' },
  pow2: { scales: 'pow2', rounding: 'tflm' },
  fp32: { scales: 'fixed', rounding: 'fp32' },
};
type Mode = keyof typeof SCHEMES;
const MODE_ENUM: Record<Mode, string> = { tflm: 'EDGEQ_RQ_TFLM', single: 'EDGEQ_RQ_SINGLE', pow2: 'EDGEQ_RQ_POW2', fp32: 'EDGEQ_RQ_FP32' };

/** Scales that are powers of two in pow2 mode (the validator demands it) and not otherwise. */
function scale(mode: Mode, pow2Exponent: number, other: number): number {
  return mode === 'pow2' ? 2 ** pow2Exponent : other;
}

/** One test case: a one-op graph, its input(s) and the kernel it exercises. */
interface CaseSpec {
  name: string;
  /** Requantisation mode of the graph (also in the name). */
  mode: Mode;
  graph: QGraph;
  inputs: TensorData[];
}

/** One case as data: its C objects and the fields of its edgeq_test_case entry. */
interface RenderedCase {
  declarations: Declaration[];
  entry: CaseEntry;
}

const SEED = 20261205;
let random = mulberry32(SEED);
const int8s = (n: number, lo = -128, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor(random() * (hi - lo + 1)));
const int32s = (n: number, span: number) => Int32Array.from({ length: n }, () => Math.floor((random() * 2 - 1) * span));
const weights = (n: number) => int8s(n, -127, 127);
/** int4 weights: uniform in [-8, 7], with the extremes -8 and 7 as elements 0 and 1. */
const int4Weights = (n: number) => {
  const w = int8s(n, -8, 7);
  w.set([-8, 7].slice(0, n));
  return w;
};
/** Runs `make` on a random stream of its own, so cases added to a suite leave every other case's inputs as they were. */
function ownStream<T>(seed: number, make: () => T): T {
  const shared = random;
  random = mulberry32(seed);
  try {
    return make();
  } finally {
    random = shared;
  }
}

const array = (type: string, id: string, values: ArrayLike<number>): Declaration => ({ array: type, id, values: Array.from(values) });
const struct = (type: string, id: string, fields: Record<string, string | number>): Declaration => ({ struct: type, id, fields });

const hwc = (shape: readonly number[]) => `{ ${shape[1]}, ${shape[2]}, ${shape[3]} }`;
const float32Bits = (values: ArrayLike<number>) => new Uint32Array(Float32Array.from(values).buffer);

/** Renders a case: inputs, expected output from the interpreter, and the kernel-specific part. */
function renderCase(id: string, spec: CaseSpec, kernel: (g: QGraph, op: OpDef, id: string, out: RenderedCase) => void): RenderedCase {
  const g = spec.graph;
  const op = g.ops[0];
  const expected = new Interpreter(g).run(spec.inputs).outputs[0];
  const out: RenderedCase = { declarations: [], entry: {} };
  spec.inputs.forEach((x, k) => {
    if (x instanceof Float32Array) {
      out.declarations.push(array('uint32_t', `${id}_input_bits`, float32Bits(x)));
      out.entry.float_bits = `${id}_input_bits`;
    } else {
      out.declarations.push(array('int8_t', `${id}_input${k || ''}`, x));
      out.entry[`input${k ? k + 1 : ''}`] = `${id}_input${k || ''}`;
    }
  });
  if (expected instanceof Float32Array) {
    out.declarations.push(array('uint32_t', `${id}_expected_bits`, float32Bits(expected)));
    out.entry.float_bits = `${id}_expected_bits`;
  } else {
    out.declarations.push(array('int8_t', `${id}_expected`, expected));
    out.entry.expected = `${id}_expected`;
  }
  out.entry.output_size = numElements(g.tensors[op.outputs[0]].shape);
  kernel(g, op, id, out);
  return out;
}

// ---- kernel renderers: the parameter struct each public kernel takes ----

function requantFields(id: string, rq: ConvLikeParams['requant'], out: RenderedCase): string {
  out.declarations.push(array('int32_t', `${id}_multiplier`, rq.multiplier), array('int32_t', `${id}_shift`, rq.shift));
  return `{ ${id}_multiplier, ${id}_shift, ${rq.multiplier.length > 1 ? 1 : 0} }`;
}

function constants(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  // int4 weights as the _s4 kernels take them: packed two per byte, element 2k in the low nibble.
  const w = constantData(g, op.inputs[1]);
  const weightArray = g.tensors[op.inputs[1]].dtype === 'int4' ? array('uint8_t', `${id}_weights`, packInt4(w)) : array('int8_t', `${id}_weights`, w);
  out.declarations.push(weightArray, array('int32_t', `${id}_bias`, constantData(g, op.inputs[2])));
  Object.assign(out.entry, { weights: `${id}_weights`, bias: `${id}_bias` });
}

function renderConv(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as ConvLikeParams;
  const o = op.options as { strideH: number; strideW: number; dilationH: number; dilationW: number; depthMultiplier?: number };
  const w = g.tensors[op.inputs[1]].shape;
  constants(g, op, id, out);
  out.declarations.push(struct('edgeq_conv_params', `${id}_params`, {
    in: hwc(g.tensors[op.inputs[0]].shape), out: hwc(g.tensors[op.outputs[0]].shape), kernel_h: w[1], kernel_w: w[2],
    stride_h: o.strideH, stride_w: o.strideW, dilation_h: o.dilationH, dilation_w: o.dilationW,
    pad_top: p.padTop, pad_left: p.padLeft, depth_multiplier: o.depthMultiplier ?? 1,
    in_zp: p.inZp, out_zp: p.outZp, act_min: p.actMin, act_max: p.actMax, mode: modeOf(g), rq: requantFields(id, p.requant, out),
  }));
  out.entry.params = `&${id}_params`;
}

function renderFullyConnected(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as ConvLikeParams;
  const w = g.tensors[op.inputs[1]].shape;
  constants(g, op, id, out);
  out.declarations.push(struct('edgeq_fc_params', `${id}_params`, {
    in_features: w[1], out_features: w[0], in_zp: p.inZp, out_zp: p.outZp, act_min: p.actMin, act_max: p.actMax,
    mode: modeOf(g), rq: requantFields(id, p.requant, out),
  }));
  out.entry.params = `&${id}_params`;
}

function renderAdd(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as AddParams;
  out.declarations.push(struct('edgeq_add_params', `${id}_params`, {
    size: numElements(g.tensors[op.outputs[0]].shape), in1_zp: p.in1Zp, in2_zp: p.in2Zp, out_zp: p.outZp, left_shift: p.leftShift,
    in1_multiplier: p.in1.multiplier[0], in1_shift: p.in1.shift[0], in2_multiplier: p.in2.multiplier[0], in2_shift: p.in2.shift[0],
    out_multiplier: p.out.multiplier[0], out_shift: p.out.shift[0], act_min: p.actMin, act_max: p.actMax, mode: modeOf(g),
  }));
  out.entry.params = `&${id}_params`;
}

/**
 * edgeq_add_terms_s8: the ADD's parameter struct, and as the expected output the bytes of the
 * two 256-entry int32 term tables codegen computes with @edgeq/ir's reference requantisation
 * (planFastAdd; doubled in tflm mode), which the kernel must rebuild at run time.
 */
function renderAddTerms(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  renderAdd(g, op, id, out);
  const mode = g.quantization.scales === 'pow2' ? 'pow2' : g.quantization.rounding;
  if (mode === 'fp32') throw new Error(`${id}: fp32 ADD has no term tables`);
  const plan = planFastAdd(g, op, mode, 'speed');
  if (typeof plan === 'string') throw new Error(`${id}: ${plan}`);
  const bytes = new Int8Array(Int32Array.from([...plan.term1, ...plan.term2]).buffer);
  const expected = out.declarations.find((d) => 'array' in d && d.id === `${id}_expected`) as { values: number[] };
  expected.values = Array.from(bytes);
  out.entry.output_size = bytes.length;
}

function renderPool(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as PoolParams;
  const o = op.options as { filterH: number; filterW: number; strideH: number; strideW: number };
  out.declarations.push(struct('edgeq_pool_params', `${id}_params`, {
    in: hwc(g.tensors[op.inputs[0]].shape), out: hwc(g.tensors[op.outputs[0]].shape), filter_h: o.filterH, filter_w: o.filterW,
    stride_h: o.strideH, stride_w: o.strideW, pad_top: p.padTop, pad_left: p.padLeft, act_min: p.actMin, act_max: p.actMax,
  }));
  out.entry.params = `&${id}_params`;
}

function renderMean(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as MeanParams;
  const fixed = p.requant.multiplier.length > 0;
  out.declarations.push(struct('edgeq_mean_params', `${id}_params`, {
    in: hwc(g.tensors[op.inputs[0]].shape), in_zp: p.inZp, out_zp: p.outZp, multiplier: fixed ? p.requant.multiplier[0] : 0,
    shift: fixed ? p.requant.shift[0] : 0, pow2_exp: p.pow2Exp, mode: modeOf(g),
  }));
  out.entry.params = `&${id}_params`;
}

function renderPad(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as PadParams;
  const pads = (op.options as { paddings: [number, number][] }).paddings;
  out.declarations.push(struct('edgeq_pad_params', `${id}_params`, {
    in: hwc(g.tensors[op.inputs[0]].shape), out: hwc(g.tensors[op.outputs[0]].shape),
    pad_top: pads[1][0], pad_left: pads[2][0], pad_channels_before: pads[3][0], pad_value: p.padValue,
  }));
  out.entry.params = `&${id}_params`;
}

function renderResizeNearest(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as ResizeNearestNeighborParams;
  out.declarations.push(array('int32_t', `${id}_source_rows`, p.sourceRows), array('int32_t', `${id}_source_cols`, p.sourceCols));
  out.declarations.push(struct('edgeq_resize_nearest_params', `${id}_params`, {
    in: hwc(g.tensors[op.inputs[0]].shape), out: hwc(g.tensors[op.outputs[0]].shape),
    source_rows: `${id}_source_rows`, source_cols: `${id}_source_cols`,
  }));
  out.entry.params = `&${id}_params`;
}

function renderLogistic(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as LogisticParams;
  out.declarations.push(array('int8_t', `${id}_table`, p.table));
  out.declarations.push(struct('edgeq_logistic_params', `${id}_params`, { table: `${id}_table` }));
  out.entry.params = `&${id}_params`;
}

function renderStridedSlice(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as StridedSliceParams;
  out.declarations.push(struct('edgeq_strided_slice_params', `${id}_params`, {
    in: hwc(g.tensors[op.inputs[0]].shape), out: hwc(g.tensors[op.outputs[0]].shape),
    begin_row: p.beginRow, begin_col: p.beginCol, begin_channel: p.beginChannel,
  }));
  out.entry.params = `&${id}_params`;
}

/** RESHAPE: the copy takes only the element count (output_size). */
function renderCopy(): void {}

/** CONCATENATION: the test's inputs are one tensor split on channels (the runner's input). */
function renderConcat(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as ConcatParams;
  const outShape = g.tensors[op.outputs[0]].shape;
  const entries = op.inputs.map((t, k) => [`${id}_input${k || ''}`, g.tensors[t].shape[3], p.inZps[k], p.requants[k].multiplier[0], p.requants[k].shift[0]]);
  out.declarations.push({ table: 'edgeq_concat_input', id: `${id}_inputs`, rows: entries });
  out.declarations.push(struct('edgeq_concat_params', `${id}_params`, {
    pixels: outShape[1] * outShape[2], out_channels: outShape[3], num_inputs: op.inputs.length, out_zp: p.outZp,
    act_min: p.actMin, act_max: p.actMax, mode: modeOf(g),
  }));
  Object.assign(out.entry, { params: `&${id}_params`, concat_inputs: `${id}_inputs` });
}

function renderSoftmax(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const p = deriveOpParams(g, op) as SoftmaxParams;
  const shape = g.tensors[op.inputs[0]].shape;
  const classes = shape[shape.length - 1];
  out.declarations.push(array('uint32_t', `${id}_exp_table`, p.expTable));
  out.declarations.push(struct('edgeq_softmax_params', `${id}_params`, {
    rows: numElements(shape) / classes, classes, exp_table: `${id}_exp_table`, mode: modeOf(g),
  }));
  out.entry.params = `&${id}_params`;
}

/**
 * edgeq_softmax_computed_s8 (--optimize size): the input scaling codegen plans
 * (planComputedSoftmax) instead of the table; the kernel must compute the same exponentials.
 */
function renderSoftmaxComputed(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  const scaling = planComputedSoftmax(g).get(g.ops.indexOf(op));
  if (!scaling) throw new Error(`${id}: no computed softmax planned`);
  const shape = g.tensors[op.inputs[0]].shape;
  const classes = shape[shape.length - 1];
  out.declarations.push(struct('edgeq_softmax_scaling_params', `${id}_params`, {
    rows: numElements(shape) / classes, classes, multiplier: scaling.multiplier, left_shift: scaling.leftShift,
    diff_min: scaling.diffMin, mode: modeOf(g),
  }));
  Object.assign(out.entry, { params: `&${id}_params`, scratch_bytes: COMPUTED_SOFTMAX_SCRATCH_BYTES });
}

function renderBoundary(quantize: boolean) {
  return (g: QGraph, op: OpDef, _id: string, out: RenderedCase): void => {
    const p = deriveOpParams(g, op) as BoundaryParams;
    Object.assign(out.entry, { scale_bits: `${float32Bits([p.scale])[0]}u`, zero_point: p.zeroPoint });
    if (quantize) out.entry.mode = modeOf(g);
  };
}

/** The fast kernels: parameters, weights, constants and scratch exactly as codegen plans them. */
function renderFast(g: QGraph, op: OpDef, id: string, out: RenderedCase): void {
  renderFastStored('int16')(g, op, id, out);
}

/** renderFast for a weight storage. */
function renderFastStored(weightStorage: WeightStorage) {
  return renderFastWith({ weightStorage });
}

/** renderFast with the planner's options (a weight storage, a forced depthwise kernel). */
function renderFastWith(options: FastPlanOptions) {
  return (g: QGraph, op: OpDef, id: string, out: RenderedCase): void => renderFastPlan(g, op, id, out, options);
}

function renderFastPlan(g: QGraph, op: OpDef, id: string, out: RenderedCase, options: FastPlanOptions): void {
  const mode = modeOf(g) === 'EDGEQ_RQ_POW2' ? 'pow2' : g.quantization.rounding as FastMode;
  const plan = planFastOp(g, op, mode, options);
  if (!plan) throw new Error(`${g.name}: codegen does not plan a fast kernel for this case: ${(decideFastOp(g, op, mode, options) as { reason?: string }).reason}`);
  const p = deriveOpParams(g, op) as ConvLikeParams;
  const rows: number[][] = [];
  for (let i = 0; i < plan.channelConstants.length; i += 4) rows.push(Array.from(plan.channelConstants.subarray(i, i + 4)));
  out.declarations.push({ table: 'edgeq_channel_requant', id: `${id}_requant`, rows });
  out.declarations.push(array(plan.weights instanceof Uint8Array ? 'uint8_t' : plan.weightStorage === 'int8' ? 'int8_t' : 'int16_t', `${id}_weights`, plan.weights));
  const type = { pointwise: 'edgeq_pointwise_params', pointwise_w8: 'edgeq_pointwise_params', conv_im2col: 'edgeq_conv_im2col_params', conv_im2col_w8: 'edgeq_conv_im2col_params', conv_im2col_s4: 'edgeq_conv_im2col_params', depthwise_3x3: 'edgeq_depthwise_3x3_params', depthwise_rows: 'edgeq_depthwise_rows_params' }[plan.kind];
  out.declarations.push(struct(type, `${id}_params`, { ...planFields(plan.structValues), act_min: p.actMin, act_max: p.actMax, requant: `${id}_requant` }));
  Object.assign(out.entry, { params: `&${id}_params`, weights: `${id}_weights`, [plan.kind]: plan.fn, scratch_bytes: plan.scratchBytes });
}

function modeOf(g: QGraph): string {
  return g.quantization.scales === 'pow2' ? MODE_ENUM.pow2 : MODE_ENUM[g.quantization.rounding as Mode];
}

// ---- the cases ----

interface ConvCase { cin: number; size: [number, number]; cout: number; k: number;
  /** Kernel height and width when not k x k. */
  kernel?: [number, number]; stride?: number | [number, number]; dilation?: number | [number, number]; padding?: Padding; act?: FusedActivation; zpIn?: number; zpOut?: number; perTensor?: boolean; mult?: number;
  /** Requantisation right shift of 1 or 2 (multiplier 0.15 to 0.5): every output's rounding matters. */
  fine?: boolean;
  /**
   * Channels that fail the fast formula's checks (generic rows, _mixed variants): channel 1
   * has a scale ratio of 0.55 (pow2: 1), a right shift of 0, and weights divided by 32 so its
   * outputs stay inside int8; channel 0 has a bias of 2^30 - 7 (tflm: accumulator bound >= 2^30);
   * channel 2 has all-zero weights and a bias of 40000 (one constant output, about 40 - 5).
   */
  generic?: boolean;
  /** 4: int4 weights in [-8, 7] (the _s4 kernels), weight scales 16 times larger (except fine cases). */
  weightBits?: 4 }

function convGraph(type: 'conv' | 'depthwise', mode: Mode, c: ConvCase): CaseSpec['graph'] {
  const b = new GraphBuilder(`${type}_${mode}`, SCHEMES[mode]);
  const x = b.input('x', [1, c.size[0], c.size[1], c.cin], q(scale(mode, -4, 0.05), c.zpIn ?? 3));
  const mult = c.mult ?? 1;
  const cout = type === 'conv' ? c.cout : c.cin * mult;
  const [kh, kw] = c.kernel ?? [c.k, c.k];
  const taps = type === 'conv' ? kh * kw * c.cin : kh * kw;
  // Fine cases keep their scales: the right shift of 1-2 is the point.
  const w4 = c.weightBits === 4 && !c.fine ? 16 : 1;
  const scales = Array.from({ length: c.perTensor ? 1 : cout }, (_, i) => w4 * scale(mode, -6 - (i % 2), c.fine ? 0.01 * (1 + 0.05 * i) : 0.01 + 0.004 * i));
  const outScale = !c.fine ? scale(mode, 0, 1) : mode === 'pow2' ? 2 ** -9 : (0.05 * 0.01) / (mode === 'single' ? 0.15 : 0.3);
  const w = (c.weightBits === 4 ? int4Weights : weights)(type === 'conv' ? cout * taps : taps * cout);
  const bias = int32s(cout, c.fine || c.generic ? 60 : 3000);
  if (c.generic) {
    scales[1] = (outScale / scale(mode, -4, 0.05)) * (mode === 'pow2' ? 1 : 0.55);
    for (let t = 0; t < taps; t++) {
      const i = type === 'conv' ? taps + t : t * cout + 1;
      w[i] = Math.round(w[i] / 32);
    }
    bias[0] = 2 ** 30 - 7;
    for (let t = 0; t < taps; t++) w[type === 'conv' ? 2 * taps + t : t * cout + 2] = 0;
    bias[2] = 40000;
  }
  const spec = {
    name: type, weights: w, weightBits: c.weightBits,
    weightShape: type === 'conv' ? [cout, kh, kw, c.cin] : [1, kh, kw, cout], weightScales: scales,
    bias, out: q(outScale, c.zpOut ?? -5), stride: c.stride, dilation: c.dilation,
    padding: c.padding ?? 'SAME', activation: c.act,
  };
  const y = type === 'conv' ? b.conv2d(x, spec) : b.depthwiseConv2d(x, spec, mult);
  b.output(y);
  return b.build();
}

function oneInput(graph: QGraph, lo = -128, hi = 127): TensorData[] {
  const t = graph.tensors[graph.inputs[0]];
  return [t.dtype === 'float32' ? Float32Array.from({ length: numElements(t.shape) }, () => (random() * 2 - 1) * 6) : int8s(numElements(t.shape), lo, hi)];
}

/** Inputs of a conv case: the whole int8 range, or zero point +-2 for a fine case. */
function nearZeroPoint(graph: QGraph, c: ConvCase): TensorData[] {
  const zp = c.zpIn ?? 3;
  return c.fine ? oneInput(graph, zp - 2, zp + 2) : oneInput(graph);
}

function convCases(type: 'conv' | 'depthwise', weightBits?: 4): CaseSpec[] {
  const list: Array<[string, Mode, ConvCase]> = [
    ['3x3 SAME stride 1, per-channel', 'tflm', { cin: 2, size: [5, 5], cout: 3, k: 3 }],
    ['3x3 SAME stride 2 (bottom/right padding)', 'single', { cin: 2, size: [6, 6], cout: 2, k: 3, stride: 2, mult: 2 }],
    ['3x3 VALID dilation 2, per-tensor weights', 'pow2', { cin: 1, size: [7, 6], cout: 2, k: 3, dilation: 2, padding: 'VALID', perTensor: true }],
    ['extreme zero points -128 / 127', 'fp32', { cin: 3, size: [4, 4], cout: 2, k: 3, zpIn: -128, zpOut: 127 }],
    ['input zero point 127, stride 2, RELU', 'tflm', { cin: 2, size: [5, 4], cout: 3, k: 2, stride: 2, zpIn: 127, zpOut: -20, act: 'RELU' }],
    ...(['tflm', 'single', 'pow2', 'fp32'] as Mode[]).map((mode): [string, Mode, ConvCase] => ['right shift 1-2, rounding on every output', mode, { cin: 2, size: [4, 4], cout: 2, k: 3, fine: true }]),
  ];
  return list.map(([name, mode, c]) => {
    const graph = convGraph(type, mode, { ...c, weightBits });
    return { name: `${type} ${mode}: ${name}${weightBits ? ', int4 weights' : ''}`, mode, graph, inputs: nearZeroPoint(graph, c) };
  });
}

/** weightBits 4: int4 weights (an odd in * out: the last byte's high nibble is padding), scales 16 times larger. */
function fullyConnectedCases(weightBits?: 4): CaseSpec[] {
  const list: Array<[Mode, number, number, boolean, number, number, FusedActivation]> = [
    ['tflm', 7, 3, false, 2, -3, 'NONE'], ['single', 5, 4, false, -1, 4, 'NONE'], ['pow2', 8, 2, true, 0, 0, 'RELU'], ['fp32', 6, 3, false, -128, 127, 'NONE'], ['tflm', 4, 2, false, 127, -128, 'RELU6'],
  ];
  return list.map(([mode, inF, outF, perTensor, zpIn, zpOut, act]) => {
    const b = new GraphBuilder(`fc_${mode}`, SCHEMES[mode]);
    const x = b.input('x', [1, inF], q(scale(mode, -3, 0.1), zpIn));
    const w4 = weightBits === 4 ? 16 : 1;
    const scales = Array.from({ length: perTensor ? 1 : outF }, (_, i) => w4 * scale(mode, -5 - i, 0.02 + 0.01 * i));
    const w = (weightBits === 4 ? int4Weights : weights)(inF * outF);
    b.output(b.fullyConnected(x, { name: 'fc', weights: w, weightBits, weightShape: [outF, inF], weightScales: scales, bias: int32s(outF, 2000), out: q(scale(mode, -1, 0.3), zpOut), activation: act }));
    const graph = b.build();
    return { name: `fully connected ${mode}: ${inF} -> ${outF}${perTensor ? ', per-tensor' : ', per-channel'}, zero points ${zpIn} / ${zpOut}, ${act}${weightBits ? ', int4 weights' : ''}`, mode, graph, inputs: oneInput(graph) };
  });
}

function addCases(): CaseSpec[] {
  const list: Array<[Mode, number, number, number, FusedActivation, [number, number, number]]> = [
    ['tflm', 0.05, 0.08, 0.1, 'NONE', [3, -7, 1]], ['single', 0.1, 0.02, 0.2, 'RELU', [-128, 127, -30]],
    ['pow2', 2 ** -3, 2 ** -5, 2 ** -2, 'NONE', [0, 5, -3]], ['fp32', 0.05, 0.06, 0.09, 'RELU6', [10, -20, -128]],
    ['fp32', 0.001, 0.5, 0.4, 'NONE', [1, 2, 3]],
  ];
  return list.map(([mode, s1, s2, so, act, [z1, z2, zo]]) => {
    const b = new GraphBuilder(`add_${mode}`, SCHEMES[mode]);
    const x1 = b.input('a', [1, 3, 2, 3], q(s1, z1));
    const x2 = b.input('b', [1, 3, 2, 3], q(s2, z2));
    b.output(b.add('add', x1, x2, q(so, zo), act));
    const graph = b.build();
    return { name: `add ${mode}: scales ${s1} + ${s2} -> ${so}, zero points ${z1}, ${z2} -> ${zo}, ${act}`, mode, graph, inputs: [int8s(18), int8s(18)] };
  });
}

function poolCases(type: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'): CaseSpec[] {
  const list: Array<[string, [number, number, number], [number, number], [number, number], Padding, FusedActivation]> = [
    ['2x2 stride 2 VALID', [4, 4, 2], [2, 2], [2, 2], 'VALID', 'NONE'],
    ['3x3 stride 2 SAME (border windows)', [5, 6, 3], [3, 3], [2, 2], 'SAME', 'NONE'],
    ['3x3 stride 1 SAME, RELU', [3, 3, 2], [3, 3], [1, 1], 'SAME', 'RELU'],
  ];
  // Windows of odd width and height, global pooling (own random stream: added later).
  const more: typeof list = [
    ['global 5x3 VALID over 5 channels (odd window rows and width)', [5, 3, 5], [5, 3], [1, 1], 'VALID', 'NONE'],
    ['3x2 stride 1x2 SAME over 3 channels, RELU6', [4, 7, 3], [3, 2], [1, 2], 'SAME', 'RELU6'],
    ['3x3 stride 2 SAME over 8 channels (two quads on DSP cores, border windows), RELU', [7, 6, 8], [3, 3], [2, 2], 'SAME', 'RELU'],
    ['global 16x16 VALID over 6 channels (256 taps, the most a DSP quad sums)', [16, 16, 6], [16, 16], [1, 1], 'VALID', 'NONE'],
  ];
  const make = ([name, shape, filter, stride, padding, act]: (typeof list)[number]): CaseSpec => {
    const b = new GraphBuilder('pool', SCHEMES.tflm);
    const x = b.input('x', [1, ...shape], q(0.1, -4));
    b.output(b.pool(type, 'pool', x, filter, stride, padding, act));
    const graph = b.build();
    return { name: `${type === 'MAX_POOL_2D' ? 'max' : 'average'} pool: ${name}`, mode: 'tflm' as Mode, graph, inputs: oneInput(graph) };
  };
  return [...list.map(make), ...ownStream(SEED + (type === 'MAX_POOL_2D' ? 3 : 2), () => more.map(make))];
}

function meanCases(): CaseSpec[] {
  const list: Array<[Mode, [number, number, number], number, number, number, number]> = [
    ['tflm', [3, 3, 4], 0.1, 5, 0.05, -2], ['single', [2, 5, 3], 0.2, -128, 0.1, -128], ['pow2', [3, 2, 2], 2 ** -3, 4, 2 ** -4, 0],
    ['pow2', [3, 3, 2], 2 ** -2, 0, 2 ** -1, 1], ['fp32', [4, 4, 3], 0.07, 10, 0.03, -9],
  ];
  return list.map(([mode, shape, si, zi, so, zo]) => {
    const b = new GraphBuilder(`mean_${mode}`, SCHEMES[mode]);
    const x = b.input('x', [1, ...shape], q(si, zi));
    b.output(b.mean('mean', x, q(so, zo)));
    const graph = b.build();
    return { name: `mean ${mode}: ${shape.join('x')}, scale ${si} -> ${so}, zero points ${zi} -> ${zo}`, mode, graph, inputs: oneInput(graph) };
  });
}

function padCases(): CaseSpec[] {
  const list: Array<[[number, number, number], [number, number][], number]> = [
    [[2, 3, 2], [[0, 0], [1, 2], [0, 1], [0, 0]], -128],
    [[2, 2, 3], [[0, 0], [0, 0], [2, 0], [1, 2]], 77],
  ];
  return list.map(([shape, pads, zp]) => {
    const b = new GraphBuilder('pad', SCHEMES.tflm);
    const x = b.input('x', [1, ...shape], q(0.1, zp));
    b.output(b.pad('pad', x, pads));
    const graph = b.build();
    return { name: `pad ${shape.join('x')} by ${JSON.stringify(pads.slice(1))}, zero point ${zp}`, mode: 'tflm' as Mode, graph, inputs: oneInput(graph) };
  });
}

function resizeNearestCases(): CaseSpec[] {
  const list: Array<[[number, number, number], [number, number], boolean, boolean]> = [
    [[2, 3, 2], [4, 6], false, false],
    [[3, 3, 1], [5, 7], true, false],
    [[4, 3, 3], [3, 5], false, true],
  ];
  return list.map(([shape, [oh, ow], alignCorners, halfPixelCenters]) => {
    const b = new GraphBuilder('resize_nearest', SCHEMES.tflm);
    const x = b.input('x', [1, ...shape], q(0.1, -5));
    b.output(b.op('RESIZE_NEAREST_NEIGHBOR', 'resize', [x], { alignCorners, halfPixelCenters }, [1, oh, ow, shape[2]], q(0.1, -5)));
    const graph = b.build();
    return { name: `resize nearest ${shape.join('x')} -> ${oh}x${ow}, align corners ${alignCorners}, half-pixel centres ${halfPixelCenters}`, mode: 'tflm' as Mode, graph, inputs: oneInput(graph) };
  });
}

/** Every int8 input once (so each table entry is read), at input scales with radius 120, 7 and 0. */
function logisticCases(): CaseSpec[] {
  const list: Array<[number, number]> = [[0.1, 0], [1, -128], [1 / 16, 127], [32, 5]];
  return list.map(([scale, zp]) => {
    const b = new GraphBuilder('logistic', SCHEMES.tflm);
    const x = b.input('x', [1, 256], q(scale, zp));
    b.output(b.op('LOGISTIC', 'sigmoid', [x], {}, [1, 256], q(1 / 256, -128)));
    const graph = b.build();
    return { name: `logistic input scale ${scale} zero point ${zp}, every input`, mode: 'tflm' as Mode, graph, inputs: [Int8Array.from({ length: 256 }, (_, i) => i - 128)] };
  });
}

function stridedSliceCases(): CaseSpec[] {
  const list: Array<[[number, number, number], [number, number, number], [number, number, number]]> = [
    [[5, 6, 3], [1, 2, 0], [3, 3, 3]],
    [[1, 9, 4], [0, 2, 0], [1, 5, 4]],
    [[4, 4, 5], [0, 1, 2], [4, 2, 3]],
  ];
  return list.map(([shape, begin, extent]) => {
    const b = new GraphBuilder('strided_slice', SCHEMES.tflm);
    const x = b.input('x', [1, ...shape], q(0.1, -5));
    b.output(b.op('STRIDED_SLICE', 'crop', [x], { begin: [0, ...begin] }, [1, ...extent], q(0.1, -5)));
    const graph = b.build();
    return { name: `strided slice ${shape.join('x')} from ${begin.join(',')} extent ${extent.join('x')}`, mode: 'tflm' as Mode, graph, inputs: oneInput(graph) };
  });
}

function copyCases(): CaseSpec[] {
  const b = new GraphBuilder('reshape', SCHEMES.tflm);
  const x = b.input('x', [1, 3, 2, 5], q(0.1, 1));
  b.output(b.reshape('reshape', x, [1, 30]));
  const graph = b.build();
  return [{ name: 'copy (RESHAPE 1x3x2x5 -> 1x30)', mode: 'tflm', graph, inputs: oneInput(graph) }];
}

function concatCases(): CaseSpec[] {
  return (['tflm', 'single', 'pow2', 'fp32'] as Mode[]).map((mode) => {
    const b = new GraphBuilder(`concat_${mode}`, SCHEMES[mode]);
    const a = b.input('a', [1, 2, 3, 2], q(scale(mode, -3, 0.05), -10));
    const c = b.input('b', [1, 2, 3, 3], q(scale(mode, -5, 0.2), 100));
    b.output(b.concat('concat', [a, c], q(scale(mode, -4, 0.1), 3), mode === 'single' ? 'RELU' : 'NONE'));
    const graph = b.build();
    return { name: `concat ${mode}: channels 2 + 3, different scales and zero points`, mode, graph, inputs: [int8s(12), int8s(18)] };
  }).concat(ownStream(SEED + 1, () => (['tflm', 'single', 'pow2', 'fp32'] as Mode[]).flatMap((mode) => {
    // More than 256 elements per input: the kernel's 256-entry table path. Input a has the
    // output's scale and zero point (an identity table: rows copied, unless RELU clips it),
    // input b (9 * 7 * 5 = 315 elements) another scale; 7 + 5 channels, 9x7 pixels.
    const outQ = q(scale(mode, -4, 0.1), 3);
    return (['NONE', 'RELU'] as FusedActivation[]).map((act) => {
      const b = new GraphBuilder(`concat_table_${mode}`, SCHEMES[mode]);
      const a = b.input('a', [1, 9, 7, 7], outQ);
      const c = b.input('b', [1, 9, 7, 5], q(scale(mode, -2, 0.3), -20));
      b.output(b.concat('concat', [a, c], outQ, act));
      const graph = b.build();
      return { name: `concat ${mode}: 9x7 pixels, channels 7 (output's scale) + 5, ${act}: value tables${act === 'NONE' ? ', identity copied' : ''}`,
        mode, graph, inputs: [int8s(9 * 7 * 7), int8s(9 * 7 * 5)] };
    });
  })));
}

function softmaxCases(): CaseSpec[] {
  const list: Array<[Mode, [number, number], number, number, number]> = [
    ['tflm', [3, 5], 0.1, 0, 1], ['tflm', [2, 4], 0.5, -128, 1], ['single', [1, 10], 0.25, 20, 0.5], ['fp32', [3, 6], 0.1, 3, 1], ['fp32', [2, 3], 0.02, 0, 2],
  ];
  return list.map(([mode, shape, si, zi, beta], k) => {
    const b = new GraphBuilder(`softmax_${mode}`, SCHEMES[mode]);
    const x = b.input('x', shape, q(si, zi));
    b.output(b.softmax('softmax', x, beta));
    const graph = b.build();
    const inputs = k === 1 ? [new Int8Array(8).fill(127)] : oneInput(graph, -12, 12);
    return { name: `softmax ${mode}: ${shape.join('x')}, input scale ${si}, beta ${beta}${k === 1 ? ', equal maxima' : ''}`, mode, graph, inputs };
  });
}

function boundaryCases(quantize: boolean): CaseSpec[] {
  const list: Array<[number, number]> = [[0.1, 0], [0.037, -128], [0.5, 127]];
  return list.map(([s, zp]) => {
    const b = new GraphBuilder(quantize ? 'quantize' : 'dequantize', SCHEMES.tflm);
    if (quantize) {
      const x = b.input('x', [1, 4, 5], undefined, 'float32');
      b.output(b.quantize('quantize', x, q(s, zp)));
    } else {
      const x = b.input('x', [1, 4, 5], q(s, zp));
      b.output(b.dequantize('dequantize', x));
    }
    const graph = b.build();
    const inputs = oneInput(graph);
    if (quantize) (inputs[0] as Float32Array).set([0, -0.05, 0.05, 1e6, -1e6, NaN, 0.15, -0.15], 0);
    return { name: `${quantize ? 'quantize' : 'dequantize'}: scale ${s}, zero point ${zp}`, mode: 'tflm' as Mode, graph, inputs };
  });
}

/**
 * QUANTIZE where the float32 quotient x / scale (TFLite Micro) and the product x · f32(1/scale)
 * (LiteRT, fp32 mode) round to different sides of a half. Hand-worked:
 * x = float32 bits 1076137942 = 10784726·2^−22 ≈ 2.57127905, scale = bits 1022409474 =
 * 15776514·2^−29 ≈ 0.0293860473. Exact x/scale = 87.49999702..., 2.98e−6 below 87.5; float32
 * spacing there is 2^−17 ≈ 7.63e−6, so f32(x/scale) = 87.5 → round half away 88 → 88 − 81 = 7.
 * f32(1/scale) = 34.029754638671875 (true 34.02975537); x times it = 87.49999514, 4.86e−6 below
 * 87.5, nearer 87.5 − 2^−17 → 87.49999237 → 87 → 6. With zero point 0: 88 vs 87, and −x:
 * −88 vs −87 (−88 − 81 saturates to −128 either way). 0 → zp; +∞ → 127.
 */
function quantizeTieCases(): CaseSpec[] {
  const cases: CaseSpec[] = [];
  const x = bitsToFloat32(1076137942);
  const scale = bitsToFloat32(1022409474);
  for (const mode of ['tflm', 'single', 'pow2', 'fp32'] as Mode[]) {
    if (mode === 'pow2') continue; // power-of-two scales: the reciprocal is exact, both rules agree
    for (const zp of [-81, 0]) {
      const b = new GraphBuilder('quantize_tie', SCHEMES[mode]);
      b.output(b.quantize('quantize', b.input('x', [1, 4], undefined, 'float32'), q(scale, zp)));
      cases.push({ name: `quantize ${mode}: x / scale exactly 87.5, zero point ${zp}`, mode, graph: b.build(), inputs: [Float32Array.of(x, -x, 0, Number.POSITIVE_INFINITY)] });
    }
  }
  return cases;
}

/** Fast kernel cases: every variant (mode x clamp) of each family, with odd sizes and borders. */
function fastCases(family: 'pointwise' | 'conv_im2col' | 'depthwise_3x3', weightBits?: 4): CaseSpec[] {
  const out: CaseSpec[] = [];
  for (const mode of ['tflm', 'single', 'pow2'] as FastMode[]) {
    for (const clamp of [false, true]) {
      const act: FusedActivation = clamp ? 'RELU' : 'NONE';
      const zpOut = clamp ? -3 : -5;
      let c: ConvCase;
      let type: 'conv' | 'depthwise' = 'conv';
      if (family === 'pointwise') c = { cin: 8 * (clamp ? 2 : 1), size: clamp ? [3, 3] : [2, 2], cout: 4, k: 1, act, zpOut, zpIn: mode === 'single' ? -128 : 6 };
      else if (family === 'conv_im2col') c = clamp ? { cin: 1, size: [6, 5], cout: 2, k: 3, act, zpOut, zpIn: 127 } : { cin: 3, size: [5, 5], cout: 4, k: 3, stride: 2, act, zpOut };
      else { type = 'depthwise'; c = { cin: 3, size: clamp ? [5, 7] : [6, 6], cout: 3, k: 3, stride: clamp ? 1 : 2, act, zpOut, zpIn: -20 }; }
      const graph = convGraph(type, mode, { ...c, weightBits });
      out.push({ name: `${family} ${mode}${clamp ? '_clamp' : ''}: ${c.size.join('x')}x${c.cin}, k ${c.k}, stride ${c.stride ?? 1}, zero point in ${c.zpIn ?? 3}`, mode, graph, inputs: oneInput(graph) });
    }
    const c: ConvCase = family === 'pointwise' ? { cin: 8, size: [3, 3], cout: 2, k: 1, fine: true }
      : family === 'conv_im2col' ? { cin: 2, size: [4, 3], cout: 2, k: 3, fine: true } : { cin: 2, size: [4, 5], cout: 2, k: 3, fine: true };
    const graph = convGraph(family === 'depthwise_3x3' ? 'depthwise' : 'conv', mode, { ...c, weightBits });
    out.push({ name: `${family} ${mode}: right shift 1-2, rounding on every output`, mode, graph, inputs: nearZeroPoint(graph, c) });
  }
  return out;
}

/** Fast kernel cases with generic rows (the _mixed variants), every mode and clamp kind. */
function mixedFastCases(family: 'pointwise' | 'conv_im2col' | 'depthwise_3x3'): CaseSpec[] {
  const out: CaseSpec[] = [];
  for (const mode of ['tflm', 'single', 'pow2'] as FastMode[]) {
    for (const clamp of [false, true]) {
      const act: FusedActivation = clamp ? 'RELU6' : 'NONE';
      const c: ConvCase = family === 'pointwise' ? { cin: 16, size: [3, 3], cout: 4, k: 1, generic: true, act }
        : family === 'conv_im2col' ? { cin: 3, size: [5, 4], cout: 4, k: 3, stride: clamp ? 2 : 1, generic: true, act }
          : { cin: 3, size: [5, 6], cout: 3, k: 3, stride: clamp ? 2 : 1, generic: true, act };
      const graph = convGraph(family === 'depthwise_3x3' ? 'depthwise' : 'conv', mode, c);
      out.push({ name: `${family} ${mode}${clamp ? '_clamp' : ''}_mixed: channel 1 right shift 0, channel 0 bias 2^30 - 7, channel 2 zero weights`, mode, graph, inputs: oneInput(graph, -3, 9) });
    }
  }
  return out;
}

/**
 * Convolution shapes beyond the basic cases: input channels a multiple of 4 (the
 * four-taps-per-load column fill) or even, 1x1 stride 2, dilation 2, odd output channel
 * counts (through the column; 1x1 stride 1 with an odd count takes the column too).
 */
function convShapeCases(family: 'pointwise' | 'conv_im2col', weightBits?: 4): CaseSpec[] {
  const list: Array<[Mode, ConvCase]> = family === 'pointwise' ? [
    ['tflm', { cin: 16, size: [3, 3], cout: 6, k: 1 }],
    ['single', { cin: 8, size: [1, 3], cout: 2, k: 1, act: 'RELU6' }],
    ['pow2', { cin: 24, size: [2, 3], cout: 4, k: 1 }],
  ] : [
    ['tflm', { cin: 4, size: [5, 6], cout: 4, k: 3, act: 'RELU' }],
    ['single', { cin: 8, size: [7, 5], cout: 6, k: 3, stride: 2 }],
    ['pow2', { cin: 16, size: [5, 5], cout: 2, k: 1, stride: 2 }],
    ['tflm', { cin: 6, size: [6, 7], cout: 4, k: 2, dilation: 2 }],
    ['tflm', { cin: 12, size: [4, 4], cout: 2, k: 3, padding: 'VALID', zpIn: -128 }],
    ['single', { cin: 3, size: [5, 5], cout: 5, k: 3, stride: 2 }],
    ['pow2', { cin: 8, size: [3, 5], cout: 3, k: 3 }],
    ['tflm', { cin: 16, size: [3, 3], cout: 7, k: 1 }],
    ['single', { cin: 6, size: [4, 3], cout: 5, k: 3, stride: 1 }],
    // Column runs: odd kernel rows (5 x 3 taps) starting at odd taps, dilated runs of one pixel, a 1-channel 4x4 window at the border.
    ['tflm', { cin: 5, size: [6, 5], cout: 3, k: 3, dilation: 2, act: 'RELU6', zpIn: -128 }],
    ['pow2', { cin: 1, size: [7, 6], cout: 4, k: 4, stride: 2 }],
    ['single', { cin: 3, size: [6, 7], cout: 8, k: 3, stride: 2, padding: 'VALID' }],
  ];
  // The DSP bounds (own random stream: the cases above keep their inputs): pointwise inputs
  // widened once per pixel pair up to 128 channels, per channel pair above; the column's
  // staged window (in.c % 4 != 0) up to 64 taps (7 x 3x3 = 63, padded to 64), the
  // tap-by-tap fill above (3 x 5x5 = 75).
  const bounds: Array<[Mode, ConvCase]> = family === 'pointwise' ? [
    ['tflm', { cin: 128, size: [2, 3], cout: 4, k: 1 }],
    ['single', { cin: 136, size: [1, 3], cout: 2, k: 1 }],
  ] : [
    ['tflm', { cin: 7, size: [4, 5], cout: 3, k: 3, padding: 'VALID' }],
    ['pow2', { cin: 3, size: [7, 7], cout: 2, k: 5 }],
  ];
  const make = ([mode, c]: [Mode, ConvCase]): CaseSpec => {
    const graph = convGraph('conv', mode, { ...c, weightBits });
    const name = `conv ${mode}: ${c.size.join('x')}x${c.cin} -> ${c.cout}, k ${c.k}, stride ${c.stride ?? 1}, dilation ${c.dilation ?? 1}, ${c.padding ?? 'SAME'}`;
    return { name, mode, graph, inputs: oneInput(graph) };
  };
  return [...list.map(make), ...ownStream(SEED + 6, () => bounds.map(make))];
}

/**
 * Depthwise shapes for the general kernel (edgeq_depthwise_conv_rows_s8.c): odd channel counts,
 * multipliers 2 and 3, dilation 2 and 3, 5x5, 10x4, 1x3 and 2x2 kernels, strides 2 and 3, SAME
 * and VALID, outputs taller than wide (the planner transposes those), planes cached whole and
 * through the ring of rows, in every fast mode.
 */
function depthwiseShapeCases(): CaseSpec[] {
  const list: Array<[FastMode, ConvCase]> = [
    ['tflm', { cin: 3, size: [7, 6], cout: 3, k: 5 }],
    ['single', { cin: 2, size: [12, 6], cout: 2, k: 0, kernel: [10, 4], act: 'RELU' }],
    ['pow2', { cin: 3, size: [5, 6], cout: 6, k: 3, stride: 2, mult: 2 }],
    ['tflm', { cin: 5, size: [7, 7], cout: 5, k: 3, dilation: 2, act: 'RELU6', zpIn: -128 }],
    ['single', { cin: 3, size: [4, 7], cout: 3, k: 0, kernel: [1, 3], padding: 'VALID' }],
    ['pow2', { cin: 7, size: [9, 8], cout: 7, k: 3, stride: 2, padding: 'VALID' }],
    ['tflm', { cin: 1, size: [9, 9], cout: 3, k: 5, stride: 2, mult: 3, zpIn: 127 }],
    ['single', { cin: 5, size: [9, 3], cout: 5, k: 3 }],
    ['pow2', { cin: 3, size: [11, 4], cout: 3, k: 3, stride: 2, act: 'RELU' }],
    ['tflm', { cin: 4, size: [8, 8], cout: 4, k: 2, stride: 3 }],
    ['single', { cin: 2, size: [10, 9], cout: 2, k: 3, dilation: 3, padding: 'VALID' }],
    ['pow2', { cin: 6, size: [3, 3], cout: 6, k: 3 }],
    // Planes too large to cache whole: the ring of input rows.
    ['tflm', { cin: 1, size: [66, 52], cout: 1, k: 3 }],
    ['single', { cin: 2, size: [60, 56], cout: 2, k: 5, stride: 2, act: 'RELU6' }],
    ['pow2', { cin: 1, size: [62, 60], cout: 2, k: 3, dilation: 2, mult: 2, padding: 'VALID' }],
  ];
  // Whole planes that the 3x3 DSP loops sweep several output rows per call (up to 255
  // accumulators: 12 rows of 21, then the last 9; 3 rows of 9 transposed with stride 3 x 2 and
  // dilation 2 x 1 in the kernel's orientation, so rows are 2 apart and tops 3 apart).
  const sweeps: Array<[FastMode, ConvCase]> = [
    ['tflm', { cin: 2, size: [21, 21], cout: 2, k: 3, act: 'RELU6' }],
    ['single', { cin: 3, size: [17, 8], cout: 3, k: 3, stride: [2, 3], dilation: [1, 2] }],
    ['pow2', { cin: 4, size: [10, 12], cout: 4, k: 3, stride: [3, 2], dilation: [2, 1], act: 'RELU' }],
  ];
  const render = ([mode, c]: [FastMode, ConvCase]): CaseSpec => {
    const graph = convGraph('depthwise', mode, c);
    const [kh, kw] = c.kernel ?? [c.k, c.k];
    const pairText = (v: number | [number, number] | undefined) => (Array.isArray(v) ? v.join('x') : String(v ?? 1));
    const name = `depthwise ${mode}: ${c.size.join('x')}x${c.cin}, ${kh}x${kw}, multiplier ${c.mult ?? 1}, stride ${pairText(c.stride)}, dilation ${pairText(c.dilation)}, ${c.padding ?? 'SAME'}`;
    return { name, mode, graph, inputs: oneInput(graph) };
  };
  return [...list.map(render), ...ownStream(SEED + 5, () => sweeps.map(render))];
}

/** Every suite: name, kernel enum of the runner, cases and the renderer of their parameters. */
/**
 * MEAN at TFLite Micro's rule's edges: 7x7 sums that land on .5 after the first rounding
 * (23 and -1983), 4096 elements, the 31 + shift cap, and pow2 s_in/s_out = 2^24 (saturates).
 */
function meanEdgeCases(): CaseSpec[] {
  const build = (mode: Mode, shape: [number, number, number], si: number, zi: number, so: number, zo: number) => {
    const b = new GraphBuilder(`mean_${mode}`, SCHEMES[mode]);
    b.output(b.mean('mean', b.input('x', [1, ...shape], q(si, zi)), q(so, zo)));
    return b.build();
  };
  // Channels of a 7x7x3 input: sum 23, sum -1983 (15 × -128, one -63), random.
  const ties = Int8Array.from({ length: 49 * 3 }, (_, i) => {
    const [pixel, ch] = [Math.floor(i / 3), i % 3];
    if (ch === 0) return pixel < 23 ? 1 : 0;
    if (ch === 1) return pixel < 15 ? -128 : pixel === 15 ? -63 : 0;
    return Math.floor(random() * 256) - 128;
  });
  const pow2 = build('pow2', [2, 2, 2], 1, -128, 2 ** -24, -5);
  return [
    { name: 'mean tflm: 7x7x3, sums 23 and -1983 land on .5', mode: 'tflm', graph: build('tflm', [7, 7, 3], 0.5, 0, 0.5, 0), inputs: [ties] },
    { name: 'mean single: 7x7x3, sums 23 and -1983', mode: 'single', graph: build('single', [7, 7, 3], 0.5, 0, 0.5, 0), inputs: [ties] },
    { name: 'mean tflm: 64x64x2 (k = 12), zero points 17 -> -9', mode: 'tflm', graph: build('tflm', [64, 64, 2], 0.02, 17, 0.011, -9), inputs: [int8s(64 * 64 * 2)] },
    { name: 'mean tflm: s_in/s_out = 2^-30 (k capped at 31 + shift)', mode: 'tflm', graph: build('tflm', [3, 3, 1], 2 ** -30, 0, 1, 3), inputs: [int8s(9)] },
    // (127 - (-128)) · 2^24 / 4 = 255 · 2^22 saturates; all -128 is a zero sum -> zp_out.
    { name: 'mean pow2: s_in/s_out = 2^24 saturates', mode: 'pow2', graph: pow2, inputs: [Int8Array.of(127, -128, 127, -128, 127, -128, 127, -128)] },
  ];
}

/** SOFTMAX (gemmlowp) at its edges: 1000 and 4095 classes, exponents above 31, multiplier caps, zero points. */
function softmaxEdgeCases(): CaseSpec[] {
  const build = (mode: Mode, shape: number[], si: number, zi: number, beta: number) => {
    const b = new GraphBuilder(`softmax_${mode}`, SCHEMES[mode]);
    b.output(b.softmax('softmax', b.input('x', shape, q(si, zi)), beta));
    return b.build();
  };
  return [
    { name: 'softmax tflm: [6, 16, -20] at scale 0.1 (67.5007 -> 68)', mode: 'tflm', graph: build('tflm', [1, 3], 0.1, 0, 1), inputs: [Int8Array.of(6, 16, -20)] },
    { name: 'softmax tflm: 2x1000, scale 0.05', mode: 'tflm', graph: build('tflm', [2, 1000], 0.05, 0, 1), inputs: [int8s(2000)] },
    { name: 'softmax tflm: 4095 equal classes (sum just below 2^31, exponent 34)', mode: 'tflm', graph: build('tflm', [1, 4095], 0.1, 0, 1), inputs: [new Int8Array(4095).fill(9)] },
    { name: 'softmax tflm: 600 classes near the max (exponent 32)', mode: 'tflm', graph: build('tflm', [1, 600], 0.01, 0, 1), inputs: [int8s(600, 100, 127)] },
    { name: 'softmax tflm: beta 64, multiplier capped at 2^31 - 1 (diff_min 0)', mode: 'tflm', graph: build('tflm', [2, 10], 1, 0, 64), inputs: [int8s(20, -3, 3)] },
    { name: 'softmax single: beta 64, multiplier capped at 2^30 - 1 (diff_min -1)', mode: 'single', graph: build('single', [2, 10], 1, 0, 64), inputs: [int8s(20, -3, 3)] },
    { name: 'softmax pow2: 3x8, scale 2^-3', mode: 'pow2', graph: build('pow2', [3, 8], 2 ** -3, 0, 1), inputs: [int8s(24)] },
    { name: 'softmax tflm: 3x16, scale 1/16, input zero point 50', mode: 'tflm', graph: build('tflm', [3, 16], 0.0625, 50, 1), inputs: [int8s(48)] },
  ];
}

export function testSuites(): Array<{ suite: string; kernel: string; cases: CaseSpec[]; render: (g: QGraph, op: OpDef, id: string, out: RenderedCase) => void }> {
  return [
    { suite: 'conv', kernel: 'EDGEQ_TEST_CONV', cases: convCases('conv'), render: renderConv },
    { suite: 'depthwise_conv', kernel: 'EDGEQ_TEST_DEPTHWISE_CONV', cases: convCases('depthwise'), render: renderConv },
    { suite: 'fully_connected', kernel: 'EDGEQ_TEST_FULLY_CONNECTED', cases: fullyConnectedCases(), render: renderFullyConnected },
    { suite: 'add', kernel: 'EDGEQ_TEST_ADD', cases: addCases(), render: renderAdd },
    { suite: 'avg_pool', kernel: 'EDGEQ_TEST_AVG_POOL', cases: poolCases('AVERAGE_POOL_2D'), render: renderPool },
    { suite: 'max_pool', kernel: 'EDGEQ_TEST_MAX_POOL', cases: poolCases('MAX_POOL_2D'), render: renderPool },
    { suite: 'mean', kernel: 'EDGEQ_TEST_MEAN', cases: meanCases(), render: renderMean },
    { suite: 'pad', kernel: 'EDGEQ_TEST_PAD', cases: padCases(), render: renderPad },
    { suite: 'copy', kernel: 'EDGEQ_TEST_COPY', cases: copyCases(), render: renderCopy },
    { suite: 'concat', kernel: 'EDGEQ_TEST_CONCAT', cases: concatCases(), render: renderConcat },
    { suite: 'softmax', kernel: 'EDGEQ_TEST_SOFTMAX', cases: softmaxCases(), render: renderSoftmax },
    { suite: 'quantize', kernel: 'EDGEQ_TEST_QUANTIZE', cases: boundaryCases(true), render: renderBoundary(true) },
    { suite: 'dequantize', kernel: 'EDGEQ_TEST_DEQUANTIZE', cases: boundaryCases(false), render: renderBoundary(false) },
    { suite: 'pointwise_conv', kernel: 'EDGEQ_TEST_POINTWISE_CONV', cases: fastCases('pointwise'), render: renderFast },
    { suite: 'conv_im2col', kernel: 'EDGEQ_TEST_CONV_IM2COL', cases: fastCases('conv_im2col'), render: renderFast },
    { suite: 'depthwise_conv_3x3', kernel: 'EDGEQ_TEST_DEPTHWISE_CONV_3X3', cases: fastCases('depthwise_3x3'), render: renderFastWith({ depthwiseKernel: 'plane' }) },
    { suite: 'resize_nearest', kernel: 'EDGEQ_TEST_RESIZE_NEAREST', cases: resizeNearestCases(), render: renderResizeNearest },
    { suite: 'mean_edges', kernel: 'EDGEQ_TEST_MEAN', cases: meanEdgeCases(), render: renderMean },
    { suite: 'softmax_edges', kernel: 'EDGEQ_TEST_SOFTMAX', cases: softmaxEdgeCases(), render: renderSoftmax },
    { suite: 'quantize_tie', kernel: 'EDGEQ_TEST_QUANTIZE', cases: quantizeTieCases(), render: renderBoundary(true) },
    { suite: 'logistic', kernel: 'EDGEQ_TEST_LOGISTIC', cases: logisticCases(), render: renderLogistic },
    { suite: 'strided_slice', kernel: 'EDGEQ_TEST_STRIDED_SLICE', cases: stridedSliceCases(), render: renderStridedSlice },
    { suite: 'pointwise_conv_mixed', kernel: 'EDGEQ_TEST_POINTWISE_CONV', cases: mixedFastCases('pointwise'), render: renderFast },
    { suite: 'conv_im2col_mixed', kernel: 'EDGEQ_TEST_CONV_IM2COL', cases: mixedFastCases('conv_im2col'), render: renderFast },
    { suite: 'depthwise_conv_3x3_mixed', kernel: 'EDGEQ_TEST_DEPTHWISE_CONV_3X3', cases: mixedFastCases('depthwise_3x3'), render: renderFastWith({ depthwiseKernel: 'plane' }) },
    { suite: 'pointwise_conv_shapes', kernel: 'EDGEQ_TEST_POINTWISE_CONV', cases: convShapeCases('pointwise'), render: renderFast },
    { suite: 'conv_im2col_shapes', kernel: 'EDGEQ_TEST_CONV_IM2COL', cases: convShapeCases('conv_im2col'), render: renderFast },
    { suite: 'add_terms', kernel: 'EDGEQ_TEST_ADD_TERMS', cases: ownStream(SEED + 4, () => addCases().filter((c) => c.mode !== 'fp32')), render: renderAddTerms },
    { suite: 'pointwise_conv_w8', kernel: 'EDGEQ_TEST_POINTWISE_CONV_W8', cases: [...fastCases('pointwise'), ...mixedFastCases('pointwise')], render: renderFastStored('int8') },
    { suite: 'conv_im2col_w8', kernel: 'EDGEQ_TEST_CONV_IM2COL_W8', cases: [...fastCases('conv_im2col'), ...mixedFastCases('conv_im2col'), ...convShapeCases('conv_im2col')], render: renderFastStored('int8') },
    { suite: 'depthwise_conv_rows', kernel: 'EDGEQ_TEST_DEPTHWISE_CONV_ROWS', cases: [...fastCases('depthwise_3x3'), ...depthwiseShapeCases()], render: renderFastWith({ depthwiseKernel: 'rows' }) },
    { suite: 'depthwise_conv_rows_mixed', kernel: 'EDGEQ_TEST_DEPTHWISE_CONV_ROWS', cases: mixedFastCases('depthwise_3x3'), render: renderFastWith({ depthwiseKernel: 'rows' }) },
    // Its own random stream: the suites above keep their inputs.
    // W4A8: the reference kernels' packed int4 variants (_s4), each on its own random stream.
    { suite: 'conv_s4', kernel: 'EDGEQ_TEST_CONV_S4', cases: ownStream(SEED + 6, () => convCases('conv', 4)), render: renderConv },
    { suite: 'depthwise_conv_s4', kernel: 'EDGEQ_TEST_DEPTHWISE_CONV_S4', cases: ownStream(SEED + 7, () => convCases('depthwise', 4)), render: renderConv },
    { suite: 'fully_connected_s4', kernel: 'EDGEQ_TEST_FULLY_CONNECTED_S4', cases: ownStream(SEED + 8, () => fullyConnectedCases(4)), render: renderFullyConnected },
    { suite: 'conv_im2col_s4', kernel: 'EDGEQ_TEST_CONV_IM2COL_S4', // 1x1 stride-1 shapes run as FULLY_CONNECTED (packages/harness/test/fc-add-kernels.test.ts).
    cases: ownStream(SEED + 9, () => [...fastCases('conv_im2col', 4), ...convShapeCases('conv_im2col', 4)].filter((c) => c.name.includes('conv_im2col') || !/k 1, stride 1,/.test(c.name))), render: renderFast },
    { suite: 'softmax_computed', kernel: 'EDGEQ_TEST_SOFTMAX_COMPUTED', cases: ownStream(SEED + 5, () => [...softmaxCases(), ...softmaxEdgeCases()].filter((c) => c.mode !== 'fp32')), render: renderSoftmaxComputed },
  ];
}

/**
 * Shapes on which each *_get_buffer_size() must return codegen's planned scratch bytes: the
 * conv im2col column (taps odd and even, 1 to 16 input channels, kernels 1x1 to 5x5) and the
 * depthwise plane (stride 1 and 2, odd and even output widths, SAME and VALID).
 */
function bufferSizeCases(): BufferSizeData {
  const shapes: BufferSizeData['shapes'] = [];
  const add = (type: 'conv' | 'depthwise', c: ConvCase, depthwiseKernel: 'plane' | 'rows' = 'plane') => {
    const g = convGraph(type, 'tflm', c);
    const plan = planFastOp(g, g.ops[0], 'tflm', { depthwiseKernel });
    if (!plan) throw new Error(`no fast plan for buffer-size shape ${JSON.stringify(c)}`);
    const kernel = plan.kind === 'conv_im2col' ? 'conv_im2col' : plan.kind === 'depthwise_rows' ? 'depthwise_conv_rows' : 'depthwise_conv_3x3';
    const structType = { conv_im2col: 'edgeq_conv_im2col_params', depthwise_conv_3x3: 'edgeq_depthwise_3x3_params', depthwise_conv_rows: 'edgeq_depthwise_rows_params' }[kernel];
    const params = struct(structType, `buffer_size_${shapes.length}_params`, planFields(plan.structValues));
    shapes.push({ kernel, params, plannedBytes: plan.scratchBytes });
  };
  for (const [cin, k, size, stride] of [[1, 3, 8, 1], [1, 5, 9, 2], [2, 3, 6, 1], [3, 3, 7, 2], [4, 1, 5, 2], [5, 2, 6, 1], [8, 3, 4, 1], [16, 3, 5, 2], [3, 5, 10, 1], [7, 3, 3, 1]]) {
    add('conv', { cin, k, size: [size, size + 1], cout: 2, stride });
  }
  for (const [size, stride, padding] of [[[4, 4], 1, 'SAME'], [[5, 7], 1, 'SAME'], [[6, 6], 2, 'SAME'], [[7, 5], 2, 'SAME'], [[8, 9], 1, 'VALID'], [[9, 8], 2, 'VALID'], [[3, 3], 1, 'VALID'], [[16, 15], 2, 'SAME']] as Array<[[number, number], number, Padding]>) {
    add('depthwise', { cin: 2, k: 3, size, cout: 2, stride, padding });
    add('depthwise', { cin: 2, k: 3, size, cout: 2, stride, padding }, 'rows');
  }
  for (const [kernel, size, dilation, mult] of [[[10, 4], [12, 5], 1, 1], [[5, 5], [6, 9], 2, 2], [[1, 3], [4, 4], 1, 3]] as Array<[[number, number], [number, number], number, number]>) {
    add('depthwise', { cin: 3, k: 0, kernel, size, cout: 3 * mult, dilation, mult }, 'rows');
  }
  return { shapes };
}

/** codegen's planned struct values as C initialiser text per field (nested structs as `{ h, w, c }`). */
function planFields(values: CStructValues): Record<string, string> {
  const text = (v: CValue): string => (typeof v === 'object' ? `{ ${Object.values(v).map(text).join(', ')} }` : String(v));
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, text(v)]));
}

/** The JSON files of test/data/ (name -> text), as the generator produces them now. */
export function generateTestData(): Map<string, string> {
  random = mulberry32(SEED);
  const files = new Map<string, string>();
  for (const s of testSuites()) {
    const data: SuiteData = {
      suite: s.suite,
      kernel: s.kernel,
      cases: s.cases.map((c, i) => {
        const { declarations, entry } = renderCase(`${s.suite}_${i}`, c, s.render);
        return { name: c.name, declarations, entry };
      }),
    };
    files.set(`${s.suite}.json`, `${JSON.stringify(data)}\n`);
  }
  files.set('buffer_sizes.json', `${JSON.stringify(bufferSizeCases())}\n`);
  return files;
}

/** The checked-in data: every suite (sorted by name) and the buffer-size shapes. */
export function readTestData(dir = TEST_DATA_DIR): { suites: SuiteData[]; bufferSizes: BufferSizeData } {
  const read = (name: string) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as unknown;
  const names = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'buffer_sizes.json').sort();
  return { suites: names.map((f) => read(f) as SuiteData), bufferSizes: read('buffer_sizes.json') as BufferSizeData };
}

/** The C headers the runner includes, rendered from the checked-in data. */
export function readTestHeaders(dir = TEST_DATA_DIR): Map<string, string> {
  const { suites, bufferSizes } = readTestData(dir);
  return renderHeaders(suites, bufferSizes);
}

/** Writes test/data/ from the generator's current output. */
export function writeTestData(dir = TEST_DATA_DIR): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of generateTestData()) writeFileSync(path.join(dir, name), text);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  writeTestData();
  console.log(`wrote ${TEST_DATA_DIR}`);
}
