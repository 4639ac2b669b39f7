/**
 * QGraph validation: everything the interpreter and the code generator assume is
 * checked here, once, with an error that names the op, tensor or field at fault.
 * Structural checks (types, references, order) come first, then per-op shape and
 * quantisation rules, then the scheme (power-of-two scales, accumulator bounds).
 */

import {
  OP_VERSIONS,
  QGRAPH_FORMAT,
  QGRAPH_VERSION,
  type OpDef,
  type OpType,
  type QGraph,
  type TensorDef,
} from './qgraph.js';
import { QGraphError } from './errors.js';
import { DTYPE_BYTES } from './constants.js';
import { numElements, sameShape, shapeString, spatialGeometry } from './shapes.js';
import { constantData } from './constants.js';
import { deriveOpParams } from './op-params.js';
import { exactLog2 } from './quant-math.js';

const DTYPES = ['int8', 'int32', 'float32'];
const ACTIVATIONS = ['NONE', 'RELU', 'RELU6'];
const PADDINGS = ['SAME', 'VALID'];

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function tWhere(g: QGraph, i: number): string {
  return `tensors[${i}] ${JSON.stringify(g.tensors[i]?.name ?? '?')}`;
}
function oWhere(op: OpDef, i: number): string {
  return `ops[${i}] ${JSON.stringify(op.name)} (${op.type})`;
}

function checkTensor(g: QGraph, t: TensorDef, i: number, names: Set<string>): void {
  const w = tWhere(g, i);
  if (typeof t !== 'object' || t === null) throw new QGraphError(`tensors[${i}]`, 'must be an object');
  if (typeof t.name !== 'string' || t.name.length === 0) throw new QGraphError(`tensors[${i}].name`, 'must be a non-empty string');
  if (names.has(t.name)) throw new QGraphError(`${w}.name`, 'duplicate tensor name');
  names.add(t.name);
  if (!DTYPES.includes(t.dtype)) throw new QGraphError(`${w}.dtype`, `unknown dtype ${JSON.stringify(t.dtype)} (expected ${DTYPES.join(', ')})`);
  if (!Array.isArray(t.shape) || t.shape.length < 1 || t.shape.length > 4 || !t.shape.every((d) => isInt(d) && d >= 1 && d <= 1 << 20)) {
    throw new QGraphError(`${w}.shape`, `must be 1 to 4 positive integer dimensions, got ${JSON.stringify(t.shape)}`);
  }
  if (t.quant !== undefined) {
    const q = t.quant;
    if (!Array.isArray(q.scale) || q.scale.length < 1) throw new QGraphError(`${w}.quant.scale`, 'must be a non-empty array');
    if (!Array.isArray(q.zeroPoint) || (q.zeroPoint.length !== 1 && q.zeroPoint.length !== q.scale.length)) {
      throw new QGraphError(`${w}.quant.zeroPoint`, `must have 1 or ${q.scale.length} entries, got ${JSON.stringify(q.zeroPoint)}`);
    }
    q.scale.forEach((s, c) => {
      if (typeof s !== 'number' || !Number.isFinite(s) || !(s > 0) || !(Math.fround(s) > 0) || !Number.isFinite(Math.fround(s))) {
        throw new QGraphError(`${w}.quant.scale[${c}]`, `scale must be finite and > 0 (in float32), got ${s}`);
      }
    });
    q.zeroPoint.forEach((z, c) => {
      const [lo, hi] = t.dtype === 'int8' ? [-128, 127] : [0, 0];
      if (!isInt(z) || z < lo || z > hi) throw new QGraphError(`${w}.quant.zeroPoint[${c}]`, `zero point ${z} out of range [${lo}, ${hi}] for ${t.dtype}`);
    });
    if (q.scale.length > 1) {
      if (!isInt(q.axis) || q.axis < 0 || q.axis >= t.shape.length) {
        throw new QGraphError(`${w}.quant.axis`, `per-channel parameters need an axis in [0, ${t.shape.length - 1}], got ${q.axis}`);
      }
      if (t.shape[q.axis] !== q.scale.length) {
        throw new QGraphError(`${w}.quant.scale`, `per-channel array has ${q.scale.length} entries but dimension ${q.axis} is ${t.shape[q.axis]}`);
      }
    }
  }
  if (t.buffer !== undefined) {
    const b = t.buffer;
    const need = numElements(t.shape) * DTYPE_BYTES[t.dtype];
    if (!isInt(b.offset) || !isInt(b.byteLength) || b.offset < 0) throw new QGraphError(`${w}.buffer`, 'offset and byteLength must be non-negative integers');
    if (b.byteLength !== need) throw new QGraphError(`${w}.buffer.byteLength`, `is ${b.byteLength} but shape ${shapeString(t.shape)} of ${t.dtype} needs ${need}`);
    if (b.offset + b.byteLength > g.blob.length) {
      throw new QGraphError(`${w}.buffer`, `bytes [${b.offset}, ${b.offset + b.byteLength}) out of bounds of the ${g.blob.length}-byte blob`);
    }
  }
}

/** Checks a whole graph; throws QGraphError at the first fault. */
export function validateQGraph(g: QGraph): void {
  if (g.format !== QGRAPH_FORMAT) throw new QGraphError('format', `expected ${JSON.stringify(QGRAPH_FORMAT)}, got ${JSON.stringify(g.format)}`);
  if (g.version !== QGRAPH_VERSION) throw new QGraphError('version', `unsupported QGraph version ${g.version} (this edgeq reads version ${QGRAPH_VERSION})`);
  if (typeof g.name !== 'string' || !g.name) throw new QGraphError('name', 'must be a non-empty string');
  const q = g.quantization;
  if (!q || !['fixed', 'pow2'].includes(q.scales)) throw new QGraphError('quantization.scales', `must be "fixed" or "pow2", got ${JSON.stringify(q?.scales)}`);
  if (!['tflm', 'single', 'fp32'].includes(q.rounding)) throw new QGraphError('quantization.rounding', `must be "tflm", "single" or "fp32", got ${JSON.stringify(q.rounding)}`);
  if (q.rounding === 'fp32' && q.scales !== 'fixed') throw new QGraphError('quantization.rounding', 'fp32 rounding needs scales "fixed"');
  if (!(g.blob instanceof Uint8Array)) throw new QGraphError('blob', 'missing binary blob');
  if (g.blob.length !== g.blobByteLength) {
    throw new QGraphError('blob', `truncated or wrong blob: document says ${g.blobByteLength} bytes, blob has ${g.blob.length}`);
  }
  if (!Array.isArray(g.tensors) || !Array.isArray(g.ops) || !Array.isArray(g.inputs) || !Array.isArray(g.outputs)) {
    throw new QGraphError('graph', 'tensors, ops, inputs and outputs must be arrays');
  }
  const names = new Set<string>();
  g.tensors.forEach((t, i) => checkTensor(g, t, i, names));
  if (q.scales === 'pow2') {
    g.tensors.forEach((t, i) => t.quant?.scale.forEach((s, c) => {
      if (exactLog2(Math.fround(s)) === undefined) {
        throw new QGraphError(`${tWhere(g, i)}.quant.scale[${c}]`, `power-of-two mode needs scales 2^-n, got ${s}`);
      }
    }));
  }

  const ref = (where: string, idx: unknown): number => {
    if (!isInt(idx) || idx < 0 || idx >= g.tensors.length) {
      throw new QGraphError(where, `dangling tensor reference ${JSON.stringify(idx)} (graph has ${g.tensors.length} tensors)`);
    }
    return idx;
  };
  if (g.inputs.length === 0) throw new QGraphError('inputs', 'graph has no inputs');
  if (g.outputs.length === 0) throw new QGraphError('outputs', 'graph has no outputs');
  g.inputs.forEach((t, k) => {
    ref(`inputs[${k}]`, t);
    if (g.tensors[t].buffer) throw new QGraphError(`inputs[${k}]`, `graph input ${tWhere(g, t)} is a constant`);
  });
  g.outputs.forEach((t, k) => ref(`outputs[${k}]`, t));

  // Topological order: every op input is a constant, a graph input or produced earlier.
  const available = new Set<number>(g.inputs);
  g.tensors.forEach((t, i) => t.buffer && available.add(i));
  const producedBy = new Map<number, number>();
  g.ops.forEach((op, i) => {
    if (typeof op !== 'object' || op === null) throw new QGraphError(`ops[${i}]`, 'must be an object');
    const w = oWhere(op, i);
    if (!(op.type in OP_VERSIONS)) throw new QGraphError(`ops[${i}].type`, `unknown op ${JSON.stringify(op.type)} (supported: ${Object.keys(OP_VERSIONS).join(', ')})`);
    if (op.version !== OP_VERSIONS[op.type as OpType]) throw new QGraphError(`${w}.version`, `unsupported version ${op.version} (this edgeq implements version ${OP_VERSIONS[op.type as OpType]})`);
    if (typeof op.name !== 'string' || !op.name) throw new QGraphError(`ops[${i}].name`, 'must be a non-empty string');
    if (!Array.isArray(op.inputs) || !Array.isArray(op.outputs) || op.outputs.length !== 1) {
      throw new QGraphError(w, 'needs an inputs array and exactly one output');
    }
    op.inputs.forEach((t, k) => {
      ref(`${w}.inputs[${k}]`, t);
      if (!available.has(t)) {
        const later = producedBy.has(t) || g.ops.slice(i).some((o) => o.outputs?.includes(t));
        throw new QGraphError(`${w}.inputs[${k}]`, later
          ? `${tWhere(g, t)} is produced by this op or a later one: the ops form a cycle or are not in topological order`
          : `${tWhere(g, t)} is never produced (not a graph input, constant or op output)`);
      }
    });
    const out = ref(`${w}.outputs[0]`, op.outputs[0]);
    if (available.has(out)) throw new QGraphError(`${w}.outputs[0]`, `${tWhere(g, out)} is already defined (graph input, constant or earlier op output)`);
    available.add(out);
    producedBy.set(out, i);
    checkOp(g, op, i);
  });
  g.outputs.forEach((t, k) => {
    if (!available.has(t)) throw new QGraphError(`outputs[${k}]`, `${tWhere(g, t)} is never produced`);
  });
  // Derive every op's integer parameters once so scheme violations surface at load time.
  g.ops.forEach((op) => deriveOpParams(g, op));
}

function needQuantInt8(g: QGraph, w: string, idx: number, role: string): TensorDef {
  const t = g.tensors[idx];
  if (t.dtype !== 'int8') throw new QGraphError(w, `${role} ${tWhere(g, idx)} must be int8, is ${t.dtype}`);
  if (!t.quant) throw new QGraphError(w, `${role} ${tWhere(g, idx)} has no quantisation parameters`);
  if (t.quant.scale.length !== 1) throw new QGraphError(w, `${role} ${tWhere(g, idx)} must be quantised per tensor`);
  return t;
}
function needActivation(g: QGraph, w: string, idx: number, role: string): TensorDef {
  const t = needQuantInt8(g, w, idx, role);
  if (t.buffer) throw new QGraphError(w, `${role} ${tWhere(g, idx)} must not be a constant`);
  return t;
}
function needShape(w: string, role: string, t: TensorDef, shape: number[]): void {
  if (!sameShape(t.shape, shape)) throw new QGraphError(w, `${role} ${JSON.stringify(t.name)} has shape ${shapeString(t.shape)}, expected ${shapeString(shape)}`);
}
function need4d(w: string, role: string, t: TensorDef): void {
  if (t.shape.length !== 4 || t.shape[0] !== 1) throw new QGraphError(w, `${role} ${JSON.stringify(t.name)} must be NHWC with batch 1, got ${shapeString(t.shape)}`);
}
function needInts(w: string, o: Record<string, unknown>, keys: string[], min = 1): void {
  for (const k of keys) {
    if (!isInt(o[k]) || (o[k] as number) < min || (o[k] as number) > 64) throw new QGraphError(`${w}.options.${k}`, `must be an integer in [${min}, 64], got ${JSON.stringify(o[k])}`);
  }
}
function needEnum(w: string, o: Record<string, unknown>, key: string, values: string[]): void {
  if (!values.includes(o[key] as string)) throw new QGraphError(`${w}.options.${key}`, `must be one of ${values.join(', ')}, got ${JSON.stringify(o[key])}`);
}
function needInputs(w: string, op: OpDef, n: number): void {
  if (op.inputs.length !== n) throw new QGraphError(`${w}.inputs`, `expects ${n} inputs, got ${op.inputs.length}`);
}

/** Worst-case |accumulator| must stay below 2^31 (int32 accumulation in C). */
function checkAccumulator(g: QGraph, w: string, biasIdx: number, taps: number): void {
  const bias = constantData(g, biasIdx) as Int32Array;
  let maxBias = 0;
  for (const b of bias) maxBias = Math.max(maxBias, Math.abs(b));
  const bound = maxBias + 255 * 128 * taps;
  if (bound > 2 ** 31 - 1) throw new QGraphError(w, `worst-case accumulator ${bound} overflows int32 (${taps} taps per output)`);
}

function checkWeightsBias(g: QGraph, w: string, op: OpDef, outChannels: number, perChannelAxis: number): void {
  const wt = g.tensors[op.inputs[1]];
  const bt = g.tensors[op.inputs[2]];
  if (wt.dtype !== 'int8' || !wt.buffer || !wt.quant) throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} must be a quantised int8 constant`);
  if (wt.quant.zeroPoint.some((z) => z !== 0)) throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} must be symmetric (zero point 0)`);
  if (wt.quant.scale.length !== 1 && (wt.quant.scale.length !== outChannels || wt.quant.axis !== perChannelAxis)) {
    throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} per-channel scales must have ${outChannels} entries on axis ${perChannelAxis}`);
  }
  const wd = constantData(g, op.inputs[1]);
  const bad = wd.findIndex((v) => v === -128);
  if (bad >= 0) throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} hold -128 at element ${bad}; weights must lie in [-127, 127]`);
  if (bt.dtype !== 'int32' || !bt.buffer) throw new QGraphError(`${w}.inputs[2]`, `bias ${JSON.stringify(bt.name)} must be an int32 constant`);
  if (numElements(bt.shape) !== outChannels) throw new QGraphError(`${w}.inputs[2]`, `bias ${JSON.stringify(bt.name)} has ${numElements(bt.shape)} elements, expected ${outChannels}`);
}

function checkOp(g: QGraph, op: OpDef, i: number): void {
  const w = oWhere(op, i);
  const o = (op.options ?? {}) as unknown as Record<string, unknown>;
  if (typeof op.options !== 'object' || op.options === null) throw new QGraphError(`${w}.options`, 'must be an object');
  const out = g.tensors[op.outputs[0]];
  switch (op.type) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      needInputs(w, op, 3);
      needInts(w, o, ['strideH', 'strideW', 'dilationH', 'dilationW']);
      needEnum(w, o, 'padding', PADDINGS);
      needEnum(w, o, 'activation', ACTIVATIONS);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      need4d(w, 'input', x);
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
      return;
    }
    case 'FULLY_CONNECTED': {
      needInputs(w, op, 3);
      needEnum(w, o, 'activation', ACTIVATIONS);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      const wt = g.tensors[op.inputs[1]];
      if (wt.shape.length !== 2) throw new QGraphError(`${w}.inputs[1]`, `weights must be [out, in], got ${shapeString(wt.shape)}`);
      if (numElements(x.shape) !== wt.shape[1]) throw new QGraphError(`${w}.inputs[0]`, `input has ${numElements(x.shape)} elements, weights expect ${wt.shape[1]}`);
      needShape(`${w}.outputs[0]`, 'output', out, [1, wt.shape[0]]);
      checkWeightsBias(g, w, op, wt.shape[0], 0);
      checkAccumulator(g, w, op.inputs[2], wt.shape[1]);
      return;
    }
    case 'ADD': {
      needInputs(w, op, 2);
      needEnum(w, o, 'activation', ACTIVATIONS);
      const a = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      const b = needActivation(g, `${w}.inputs[1]`, op.inputs[1], 'input');
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      if (!sameShape(a.shape, b.shape)) throw new QGraphError(w, `inputs have different shapes ${shapeString(a.shape)} and ${shapeString(b.shape)} (no broadcasting)`);
      needShape(`${w}.outputs[0]`, 'output', out, a.shape);
      return;
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      needInputs(w, op, 1);
      needInts(w, o, ['filterH', 'filterW', 'strideH', 'strideW']);
      needEnum(w, o, 'padding', PADDINGS);
      needEnum(w, o, 'activation', ACTIVATIONS);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      need4d(w, 'input', x);
      const opts = op.options;
      const gh = spatialGeometry(x.shape[1], opts.filterH, opts.strideH, 1, opts.padding);
      const gw = spatialGeometry(x.shape[2], opts.filterW, opts.strideW, 1, opts.padding);
      if (gh.out < 1 || gw.out < 1) throw new QGraphError(w, `window does not fit input ${shapeString(x.shape)}`);
      needShape(`${w}.outputs[0]`, 'output', out, [1, gh.out, gw.out, x.shape[3]]);
      sameQuant(g, w, op.inputs[0], op.outputs[0]);
      return;
    }
    case 'MEAN': {
      needInputs(w, op, 1);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      need4d(w, 'input', x);
      const axes = op.options.axes;
      if (!Array.isArray(axes) || axes.length !== 2 || axes[0] !== 1 || axes[1] !== 2) throw new QGraphError(`${w}.options.axes`, `only [1, 2] (H, W) is supported, got ${JSON.stringify(axes)}`);
      if (typeof op.options.keepDims !== 'boolean') throw new QGraphError(`${w}.options.keepDims`, 'must be a boolean');
      needShape(`${w}.outputs[0]`, 'output', out, op.options.keepDims ? [1, 1, 1, x.shape[3]] : [1, x.shape[3]]);
      return;
    }
    case 'RESHAPE': {
      needInputs(w, op, 1);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      if (numElements(x.shape) !== numElements(out.shape)) throw new QGraphError(w, `cannot reshape ${shapeString(x.shape)} to ${shapeString(out.shape)}`);
      sameQuant(g, w, op.inputs[0], op.outputs[0]);
      return;
    }
    case 'PAD': {
      needInputs(w, op, 1);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      need4d(w, 'input', x);
      const p = op.options.paddings;
      if (!Array.isArray(p) || p.length !== 4 || !p.every((d) => Array.isArray(d) && d.length === 2 && d.every((v) => isInt(v) && v >= 0 && v <= 1024))) {
        throw new QGraphError(`${w}.options.paddings`, `must be 4 pairs of non-negative integers, got ${JSON.stringify(p)}`);
      }
      if (p[0][0] || p[0][1]) throw new QGraphError(`${w}.options.paddings`, 'batch padding is not supported');
      needShape(`${w}.outputs[0]`, 'output', out, x.shape.map((d, k) => d + p[k][0] + p[k][1]));
      sameQuant(g, w, op.inputs[0], op.outputs[0]);
      return;
    }
    case 'CONCATENATION': {
      if (op.inputs.length < 1 || op.inputs.length > 16) throw new QGraphError(`${w}.inputs`, `expects 1 to 16 inputs, got ${op.inputs.length}`);
      needEnum(w, o, 'activation', ACTIVATIONS);
      if (op.options.axis !== 3 && op.options.axis !== -1) throw new QGraphError(`${w}.options.axis`, `only the channel axis (3 or -1) is supported, got ${JSON.stringify(op.options.axis)}`);
      const xs = op.inputs.map((t, k) => needActivation(g, `${w}.inputs[${k}]`, t, 'input'));
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      xs.forEach((x, k) => {
        need4d(`${w}.inputs[${k}]`, 'input', x);
        if (x.shape[1] !== xs[0].shape[1] || x.shape[2] !== xs[0].shape[2]) throw new QGraphError(`${w}.inputs[${k}]`, `spatial size ${shapeString(x.shape)} differs from input 0 ${shapeString(xs[0].shape)}`);
      });
      needShape(`${w}.outputs[0]`, 'output', out, [1, xs[0].shape[1], xs[0].shape[2], xs.reduce((s, x) => s + x.shape[3], 0)]);
      return;
    }
    case 'SOFTMAX': {
      needInputs(w, op, 1);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      const y = needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      if (typeof op.options.beta !== 'number' || !(op.options.beta > 0) || !Number.isFinite(op.options.beta)) throw new QGraphError(`${w}.options.beta`, `must be finite and > 0, got ${op.options.beta}`);
      if (!sameShape(x.shape, y.shape)) throw new QGraphError(w, `output shape ${shapeString(y.shape)} differs from input ${shapeString(x.shape)}`);
      if (x.shape[x.shape.length - 1] > 4096) throw new QGraphError(w, 'softmax over more than 4096 classes is not supported');
      if (Math.fround(y.quant!.scale[0]) !== 1 / 256 || y.quant!.zeroPoint[0] !== -128) {
        throw new QGraphError(`${w}.outputs[0]`, `softmax output must have scale 1/256 and zero point -128, got ${y.quant!.scale[0]} and ${y.quant!.zeroPoint[0]}`);
      }
      return;
    }
    case 'QUANTIZE': {
      needInputs(w, op, 1);
      const x = g.tensors[op.inputs[0]];
      if (x.dtype !== 'float32' || x.buffer) throw new QGraphError(`${w}.inputs[0]`, `QUANTIZE input ${JSON.stringify(x.name)} must be a float32 activation`);
      needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
      if (!g.inputs.includes(op.inputs[0])) throw new QGraphError(w, 'QUANTIZE is only supported on a graph input');
      needShape(`${w}.outputs[0]`, 'output', out, x.shape);
      return;
    }
    case 'DEQUANTIZE': {
      needInputs(w, op, 1);
      const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
      if (out.dtype !== 'float32') throw new QGraphError(`${w}.outputs[0]`, `DEQUANTIZE output ${JSON.stringify(out.name)} must be float32`);
      if (!g.outputs.includes(op.outputs[0])) throw new QGraphError(w, 'DEQUANTIZE is only supported on a graph output');
      needShape(`${w}.outputs[0]`, 'output', out, x.shape);
      return;
    }
  }
}

function sameQuant(g: QGraph, w: string, a: number, b: number): void {
  const qa = g.tensors[a].quant!;
  const qb = g.tensors[b].quant!;
  if (Math.fround(qa.scale[0]) !== Math.fround(qb.scale[0]) || qa.zeroPoint[0] !== qb.zeroPoint[0]) {
    throw new QGraphError(w, `input and output must share scale and zero point (got ${qa.scale[0]}/${qa.zeroPoint[0]} and ${qb.scale[0]}/${qb.zeroPoint[0]})`);
  }
}
