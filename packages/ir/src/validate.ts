/**
 * QGraph validation: everything the interpreter and the code generator assume is
 * checked here, once, with an error that names the op, tensor or field at fault.
 * Structural checks (types, references, order) come first, then the per-op shape and
 * quantisation rules of each op's registry entry (ops/<op>.ts), then the scheme
 * (power-of-two scales, derivable parameters).
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
import { QGraphError, tensorWhere as tWhere } from './errors.js';
import { dtypeByteLength } from './constants.js';
import { INT4_MAX, INT4_MIN } from './int4.js';
import { numElements, shapeString } from './shapes.js';
import { deriveOpParams } from './op-params.js';
import { exactLog2 } from './quant-math.js';
import { opDefinition } from './ops/index.js';
import { isInt } from './ops/checks.js';
import { checkBoundaryLists } from './validate-io.js';
import { MAX_SCALE, MIN_SCALE, checkGraphLimits } from './graph-limits.js';

const DTYPES = ['int8', 'int4', 'int32', 'float32'];
/** A JSON object (not null, not an array): what every record field of the document must be. */
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function oWhere(op: OpDef, i: number): string {
  return `ops[${i}] ${JSON.stringify(op.name)} (${op.type})`;
}

function checkTensor(g: QGraph, t: TensorDef, i: number, names: Set<string>): void {
  const w = tWhere(g, i);
  if (!isRecord(t)) throw new QGraphError(`tensors[${i}]`, 'must be an object');
  if (typeof t.name !== 'string' || t.name.length === 0) throw new QGraphError(`tensors[${i}].name`, 'must be a non-empty string');
  if (names.has(t.name)) throw new QGraphError(`${w}.name`, 'duplicate tensor name');
  names.add(t.name);
  if (!DTYPES.includes(t.dtype)) throw new QGraphError(`${w}.dtype`, `unknown dtype ${JSON.stringify(t.dtype)} (expected ${DTYPES.join(', ')})`);
  if (!Array.isArray(t.shape) || t.shape.length < 1 || t.shape.length > 4 || !t.shape.every((d) => isInt(d) && d >= 1 && d <= 1 << 20)) {
    throw new QGraphError(`${w}.shape`, `must be 1 to 4 positive integer dimensions, got ${JSON.stringify(t.shape)}`);
  }
  if (t.quant !== undefined) {
    const q = t.quant;
    if (!isRecord(q)) throw new QGraphError(`${w}.quant`, `must be an object, got ${JSON.stringify(q)}`);
    if (!Array.isArray(q.scale) || q.scale.length < 1) throw new QGraphError(`${w}.quant.scale`, 'must be a non-empty array');
    if (!Array.isArray(q.zeroPoint) || (q.zeroPoint.length !== 1 && q.zeroPoint.length !== q.scale.length)) {
      throw new QGraphError(`${w}.quant.zeroPoint`, `must have 1 or ${q.scale.length} entries, got ${JSON.stringify(q.zeroPoint)}`);
    }
    q.scale.forEach((s, c) => {
      if (typeof s !== 'number' || !Number.isFinite(s) || !(s > 0) || !(Math.fround(s) > 0) || !Number.isFinite(Math.fround(s))) {
        throw new QGraphError(`${w}.quant.scale[${c}]`, `scale must be finite and > 0 (in float32), got ${s}`);
      }
      if (Math.fround(s) < MIN_SCALE || Math.fround(s) > MAX_SCALE) {
        throw new QGraphError(`${w}.quant.scale[${c}]`, `scale ${s} out of [2^-126, 2^126]: subnormal, or its float32 reciprocal is`);
      }
    });
    q.zeroPoint.forEach((z, c) => {
      const [lo, hi] = t.dtype === 'int8' ? [-128, 127] : t.dtype === 'int4' ? [INT4_MIN, INT4_MAX] : [0, 0];
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
  if (t.dtype === 'int4' && t.buffer === undefined) throw new QGraphError(`${w}.dtype`, 'int4 is for constant weights only; an activation must be int8, int32 or float32');
  if (t.buffer !== undefined) {
    const b = t.buffer;
    if (!isRecord(b)) throw new QGraphError(`${w}.buffer`, `must be an object, got ${JSON.stringify(b)}`);
    const need = dtypeByteLength(t.dtype, numElements(t.shape));
    if (!isInt(b.offset) || !isInt(b.byteLength) || b.offset < 0) throw new QGraphError(`${w}.buffer`, 'offset and byteLength must be non-negative integers');
    if (b.byteLength !== need) throw new QGraphError(`${w}.buffer.byteLength`, `is ${b.byteLength} but shape ${shapeString(t.shape)} of ${t.dtype} needs ${need}`);
    if (b.offset + b.byteLength > g.blob.length) {
      throw new QGraphError(`${w}.buffer`, `bytes [${b.offset}, ${b.offset + b.byteLength}) out of bounds of the ${g.blob.length}-byte blob`);
    }
  }
}

/** Checks a whole graph; throws QGraphError at the first fault. */
export function validateQGraph(g: QGraph): void {
  if (!isRecord(g)) throw new QGraphError('qgraph', 'not a QGraph (expected an object)');
  if (g.format !== QGRAPH_FORMAT) throw new QGraphError('format', `expected ${JSON.stringify(QGRAPH_FORMAT)}, got ${JSON.stringify(g.format)}`);
  if (g.version !== QGRAPH_VERSION) throw new QGraphError('version', `unsupported QGraph version ${g.version} (this edgeq reads version ${QGRAPH_VERSION})`);
  if (typeof g.name !== 'string' || !g.name) throw new QGraphError('name', 'must be a non-empty string');
  const q = g.quantization;
  if (!isRecord(q) || !['fixed', 'pow2'].includes(q.scales)) throw new QGraphError('quantization.scales', `must be "fixed" or "pow2", got ${JSON.stringify(q?.scales)}`);
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
  checkGraphLimits(g);
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
  if (g.ops.length === 0) throw new QGraphError('ops', 'graph has no ops (its outputs would be inputs or constants)');
  g.inputs.forEach((t, k) => {
    ref(`inputs[${k}]`, t);
    if (g.tensors[t].buffer) throw new QGraphError(`inputs[${k}]`, `graph input ${tWhere(g, t)} is a constant`);
  });
  g.outputs.forEach((t, k) => {
    ref(`outputs[${k}]`, t);
    if (g.tensors[t].buffer) throw new QGraphError(`outputs[${k}]`, `graph output ${tWhere(g, t)} is a constant (an output must be computed by an op)`);
  });
  checkBoundaryLists(g);

  // Topological order: every op input is a constant, a graph input or produced earlier.
  const available = new Set<number>(g.inputs);
  g.tensors.forEach((t, i) => t.buffer && available.add(i));
  const producedBy = new Map<number, number>();
  g.ops.forEach((op, i) => {
    if (!isRecord(op)) throw new QGraphError(`ops[${i}]`, 'must be an object');
    const w = oWhere(op, i);
    if (typeof op.type !== 'string' || !Object.hasOwn(OP_VERSIONS, op.type)) throw new QGraphError(`ops[${i}].type`, `unknown op ${JSON.stringify(op.type)} (supported: ${Object.keys(OP_VERSIONS).join(', ')})`);
    if (op.version !== OP_VERSIONS[op.type as OpType]) throw new QGraphError(`${w}.version`, `unsupported version ${op.version} (this edgeq implements version ${OP_VERSIONS[op.type as OpType]})`);
    if (typeof op.name !== 'string' || !op.name) throw new QGraphError(`ops[${i}].name`, 'must be a non-empty string');
    if (!Array.isArray(op.inputs) || !Array.isArray(op.outputs) || op.outputs.length !== 1) {
      throw new QGraphError(w, 'needs an inputs array and exactly one output');
    }
    op.inputs.forEach((t, k) => {
      ref(`${w}.inputs[${k}]`, t);
      if (!available.has(t)) {
        const later = producedBy.has(t) || g.ops.slice(i).some((o) => isRecord(o) && Array.isArray(o.outputs) && o.outputs.includes(t));
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

/** Per-op rules: options, inputs and outputs, as the op's registry entry defines them. */
function checkOp(g: QGraph, op: OpDef, i: number): void {
  const w = oWhere(op, i);
  if (!isRecord(op.options)) throw new QGraphError(`${w}.options`, 'must be an object');
  opDefinition(op).validate(g, op, w);
}
