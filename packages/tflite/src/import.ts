/**
 * .tflite (int8) → QGraph, a generic driver over the op map (op-map.ts): each operator's
 * entry reads and checks its options, names the inputs kept and folded, its operand types
 * and its weights / bias roles. Accepts the ops of edgeq's integer core with fused
 * NONE/RELU/RELU6 activations, INT4 constant weights (packed two per byte, low nibble
 * first) on CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED, and QUANTIZE/DEQUANTIZE at
 * the graph boundary; refuses anything else with an error naming the file, the operator
 * (index and builtin name), the tensor and the field. Constant operands that QGraph keeps as options (MEAN axes,
 * RESHAPE shape, PAD paddings) are folded and their tensors dropped; every other tensor
 * keeps its relative order, so a graph exported by edgeq comes back identical.
 */

import {
  BlobBuilder,
  DTYPE_BYTES,
  int4ByteLength,
  OP_VERSIONS,
  QGRAPH_FORMAT,
  QGRAPH_VERSION,
  QGraphError,
  validateQGraph,
  type DType,
  type OpDef,
  type OpType,
  type QGraph,
  type QuantParams,
  type QuantScheme,
  type TensorDef,
  unpackInt4,
} from '@edgeq/ir';
import { TfliteError } from './errors.js';
import type { TflModel, TflTensor } from './model.js';
import { readTfliteModel } from './read-model.js';
import { OP_BY_CODE, OP_MAP } from './op-map.js';
import { activationFromCode, activationName, paddingFromCode, type ImportOpContext, type TfliteOpMapping } from './op-mapping.js';
import { BuiltinOperator, builtinOperatorName, builtinOptionsName, TensorType, tensorTypeName } from './schema.js';
import { EDGEQ_METADATA_NAME, type EdgeqTfliteMetadata } from './export.js';
import { typeRefusalReason } from './type-refusals.js';

export interface ImportOptions {
  /** Requantisation scheme of the resulting graph (default: the file's edgeq metadata, else fixed/tflm). */
  quantization?: QuantScheme;
  /** Graph name (default: edgeq metadata, subgraph name, or the file name). */
  name?: string;
}

const DTYPE_OF: Record<number, DType> = {
  [TensorType.INT8]: 'int8',
  [TensorType.INT4]: 'int4',
  [TensorType.INT32]: 'int32',
  [TensorType.FLOAT32]: 'float32',
};
/** The operators whose weights may be INT4 (the op map entries with weights). */
const INT4_WEIGHT_OPS = (Object.keys(OP_MAP) as OpType[]).filter((type) => OP_MAP[type].weights).join(', ');
/** Bytes per INT64 element (axes and paddings may come as INT64; QGraph has no int64 dtype). */
const INT64_BYTES = 8;
/** Relative tolerance TFLite itself allows between a bias scale and s_in·s_w (kernel_util.cc). */
const BIAS_SCALE_TOLERANCE = 1e-6;

/** Import state: the parsed file and helpers that name places in it. */
class Importer {
  readonly sg: TflModel['subgraphs'][number];
  constructor(readonly m: TflModel, readonly source: string) {
    this.sg = m.subgraphs[0];
  }
  fail(where: string, message: string): never {
    throw new TfliteError(this.source, where, message);
  }
  tWhere(i: number): string {
    return `tensors[${i}] ${JSON.stringify(this.sg.tensors[i]?.name ?? '?')}`;
  }
  opWhere(k: number): string {
    const op = this.sg.operators[k];
    const code = this.m.operatorCodes[op.opcodeIndex];
    return `operators[${k}] (${code ? builtinOperatorName(code.builtinCode) : '?'})`;
  }
  tensor(i: number, where: string): TflTensor {
    if (!Number.isInteger(i) || i < 0 || i >= this.sg.tensors.length) {
      this.fail(where, `tensor index ${i} out of range (subgraph has ${this.sg.tensors.length} tensors)`);
    }
    return this.sg.tensors[i];
  }
  /** The constant data of a tensor, checked against its shape and type; undefined if none. */
  data(i: number, where: string): Uint8Array | undefined {
    const t = this.tensor(i, where);
    if (t.buffer >= this.m.buffers.length) {
      this.fail(`${where} ${this.tWhere(i)}.buffer`, `buffer index ${t.buffer} out of range (model has ${this.m.buffers.length} buffers)`);
    }
    const d = this.m.buffers[t.buffer];
    if (t.buffer === 0 || d.length === 0) return undefined;
    const dtype = DTYPE_OF[t.type];
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (dtype === 'int4') {
      const need = int4ByteLength(elements);
      if (d.length !== need) {
        const unpacked = d.length === elements ? ' (one value per byte: INT4 constants are packed two per byte, element 2k in the low nibble)' : '';
        this.fail(`${where} ${this.tWhere(i)}`, `buffer ${t.buffer} holds ${d.length} bytes but shape [${t.shape.join(', ')}] of INT4 needs ${need}${unpacked}`);
      }
      return d;
    }
    const per = dtype ? DTYPE_BYTES[dtype] : t.type === TensorType.INT64 ? INT64_BYTES : undefined;
    if (per !== undefined) {
      const need = elements * per;
      if (d.length !== need) {
        this.fail(`${where} ${this.tWhere(i)}`, `buffer ${t.buffer} holds ${d.length} bytes but shape [${t.shape.join(', ')}] of ${tensorTypeName(t.type)} needs ${need}`);
      }
    }
    return d;
  }
  /** An int32 or int64 constant operand (axes, shape, paddings) as numbers. */
  intConstant(i: number, where: string): number[] {
    const t = this.tensor(i, where);
    const d = this.data(i, where);
    if (!d) this.fail(`${where} ${this.tWhere(i)}`, 'must be a constant tensor');
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const int32Bytes = DTYPE_BYTES.int32;
    if (t.type === TensorType.INT32) return Array.from({ length: d.length / int32Bytes }, (_, k) => view.getInt32(int32Bytes * k, true));
    if (t.type === TensorType.INT64) return Array.from({ length: d.length / INT64_BYTES }, (_, k) => Number(view.getBigInt64(INT64_BYTES * k, true)));
    this.fail(`${where} ${this.tWhere(i)}`, `must be INT32 or INT64, is ${tensorTypeName(t.type)}`);
  }
}

/** Which inputs of an operator are QGraph operands, and which are folded constants. */
interface OpPlan {
  type: OpType;
  mapping: TfliteOpMapping<OpType>;
  /** TFLite input positions that become QGraph inputs (an omitted bias is made: −1). */
  inputs: number[];
  /** TFLite input positions folded into options (their tensors are dropped). */
  folded: number[];
  options: OpDef['options'];
}

/** What an op-map entry sees of operator k. */
function importContext(im: Importer, k: number): ImportOpContext {
  const op = im.sg.operators[k];
  const where = im.opWhere(k);
  const options = op.options ?? {};
  const inputWhere = (position: number) => `${where}.inputs[${position}]`;
  return {
    where,
    options,
    inputCount: op.inputs.length,
    fail: (at, message) => im.fail(at, message),
    failOption: (field, message) => im.fail(`${where}.builtin_options.${field}`, message),
    activation: (field = 'fused_activation_function') => {
      const code = (options[field] as number | undefined) ?? 0;
      const activation = activationFromCode(code);
      if (!activation) im.fail(`${where}.builtin_options.${field}`, `fused activation ${activationName(code)} is not supported (NONE, RELU, RELU6 are)`);
      return activation;
    },
    padding: () => {
      const padding = paddingFromCode(options.padding as number);
      if (!padding) im.fail(`${where}.builtin_options.padding`, `unknown padding ${options.padding}`);
      return padding;
    },
    tensor: (position) => im.tensor(op.inputs[position], inputWhere(position)),
    output: () => im.tensor(op.outputs[0], `${where}.outputs[0]`),
    hasInput: (position) => op.inputs.length > position && op.inputs[position] >= 0,
    intConstant: (position) => im.intConstant(op.inputs[position], inputWhere(position)),
  };
}

function planOp(im: Importer, k: number): OpPlan {
  const op = im.sg.operators[k];
  const where = im.opWhere(k);
  const code = im.m.operatorCodes[op.opcodeIndex];
  if (!code) im.fail(`operators[${k}].opcode_index`, `opcode index ${op.opcodeIndex} out of range (model has ${im.m.operatorCodes.length} operator codes)`);
  if (code.builtinCode === BuiltinOperator.CUSTOM) im.fail(where, `custom operator ${JSON.stringify(code.customCode ?? '')} is not supported`);
  const type = OP_BY_CODE.get(code.builtinCode);
  const supported = Object.keys(OP_MAP).join(', ');
  if (!type) im.fail(where, `operator ${builtinOperatorName(code.builtinCode)} is not supported (edgeq imports ${supported})`);
  const mapping: TfliteOpMapping<OpType> = OP_MAP[type];
  if (code.version < 1 || code.version > mapping.maxImportVersion) {
    im.fail(where, `${type} version ${code.version} is not supported (edgeq imports versions 1 to ${mapping.maxImportVersion}, those TFLite's runtime registers)`);
  }
  if (op.hasCustomOptions) im.fail(where, 'builtin operator with custom_options is not supported');
  if (op.hasIntermediates) im.fail(where, 'operators with intermediate tensors are not supported');
  const optionsType = mapping.optionsTable.type;
  if (op.optionsType !== 0 && op.optionsType !== optionsType) {
    im.fail(`${where}.builtin_options_type`, `is ${op.optionsType}, expected ${optionsType} (${builtinOptionsName(optionsType)})`);
  }
  if (op.outputs.length !== 1) im.fail(`${where}.outputs`, `expected 1 output, got ${op.outputs.length}`);
  const [fewest, most] = mapping.inputCount;
  if (op.inputs.length < fewest || op.inputs.length > most) {
    im.fail(`${where}.inputs`, `expected ${fewest === most ? fewest : `${fewest} to ${most}`} inputs, got ${op.inputs.length}`);
  }
  const imported = mapping.fromTflite(importContext(im, k));
  return { type, mapping, inputs: imported.inputs, folded: imported.folded ?? [], options: imported.options };
}

/** Types each operand must have (TFLite's int8 kernels), checked with TFLite's names. */
function checkTypes(im: Importer, k: number, plan: OpPlan): void {
  const op = im.sg.operators[k];
  const where = im.opWhere(k);
  const need = (pos: number, role: string, allowed: readonly number[], isOutput = false) => {
    const idx = isOutput ? op.outputs[pos] : op.inputs[pos];
    if (idx === -1 || idx === undefined) return;
    const t = im.tensor(idx, `${where}.${isOutput ? 'outputs' : 'inputs'}[${pos}]`);
    if (!allowed.includes(t.type)) {
      const why = typeRefusalReason(t.type, { role, weighted: plan.mapping.weights !== undefined });
      im.fail(`${where} ${role} ${im.tWhere(idx)}`, `is ${tensorTypeName(t.type)}, edgeq needs ${allowed.map(tensorTypeName).join(' or ')} here${why ? `: ${why}` : ''}`);
    }
  };
  const declared = plan.mapping.inputTypes;
  if (declared) declared.forEach((operand, pos) => need(pos, operand.role, operand.types));
  else plan.inputs.forEach((pos) => need(pos, `input ${pos}`, [TensorType.INT8]));
  need(0, 'output', [plan.mapping.outputType ?? TensorType.INT8], true);
}

function readEdgeqMetadata(im: Importer): EdgeqTfliteMetadata | undefined {
  const entry = im.m.metadata.find((md) => md.name === EDGEQ_METADATA_NAME);
  if (!entry) return undefined;
  const bytes = im.m.buffers[entry.buffer];
  if (!bytes) im.fail(`metadata ${EDGEQ_METADATA_NAME}`, `buffer index ${entry.buffer} out of range`);
  try {
    const meta = JSON.parse(new TextDecoder().decode(bytes)) as EdgeqTfliteMetadata;
    if (meta?.format !== 'edgeq.qgraph/tflite' || !Array.isArray(meta.opNames)) throw new Error('unexpected format');
    return meta;
  } catch (e) {
    im.fail(`metadata ${EDGEQ_METADATA_NAME}`, `unreadable: ${(e as Error).message}`);
  }
}

function fileStem(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? source;
  return base.replace(/\.tflite$/i, '') || 'model';
}

/**
 * Import an int8 .tflite model as a QGraph.
 * @param bytes file contents
 * @param source file name used in error messages (and as the default graph name)
 * @param options scheme and name overrides
 * @throws TfliteError naming the op / tensor / field at fault
 */
export function importTflite(bytes: Uint8Array, source = 'model.tflite', options: ImportOptions = {}): QGraph {
  const m = readTfliteModel(bytes, source);
  if (m.subgraphs.length !== 1) throw new TfliteError(source, 'subgraphs', `expected exactly 1 subgraph, found ${m.subgraphs.length}`);
  if (m.hasExternalBuffers) throw new TfliteError(source, 'buffers', 'buffers stored outside the flatbuffer (offset/size) are not supported');
  const im = new Importer(m, source);
  const sg = im.sg;
  const meta = readEdgeqMetadata(im);
  if (sg.operators.length === 0) im.fail('operators', 'the subgraph has no operators');

  const plans = sg.operators.map((_, k) => planOp(im, k));
  plans.forEach((p, k) => checkTypes(im, k, p));

  // Tensors kept: graph inputs/outputs and op operands; folded constants are dropped.
  const used = new Set<number>();
  const use = (t: number, where: string) => {
    im.tensor(t, where);
    used.add(t);
  };
  sg.inputs.forEach((t, k) => use(t, `inputs[${k}]`));
  sg.outputs.forEach((t, k) => use(t, `outputs[${k}]`));
  plans.forEach((p, k) => {
    const op = sg.operators[k];
    p.inputs.forEach((pos) => {
      const t = op.inputs[pos];
      if ((t === undefined || t === -1) && pos === p.mapping.bias?.input) return;
      use(t, `${im.opWhere(k)}.inputs[${pos}]`);
    });
    use(op.outputs[0], `${im.opWhere(k)}.outputs[0]`);
  });
  const order = [...used].sort((a, b) => a - b);
  const newIndex = new Map(order.map((t, i) => [t, i]));

  // Bias tensors (their scale must be s_in·s_w) and each weight's expected per-channel axis.
  const biasFor = new Map<number, BiasUse>();
  const weightAxis = new Map<number, number>();
  plans.forEach((p, k) => {
    const op = sg.operators[k];
    const { weights, bias } = p.mapping;
    if (weights) weightAxis.set(op.inputs[weights.input], weights.channelAxis);
    if (bias && op.inputs.length > bias.input && op.inputs[bias.input] !== -1) biasFor.set(op.inputs[bias.input], { op: k, weightsInput: weights!.input });
  });

  const blob = new BlobBuilder();
  const tensors: TensorDef[] = order.map((ti) => convertTensor(im, ti, blob, weightAxis.get(ti), biasFor.get(ti)));

  // An omitted (optional) bias: add an explicit zero bias (appended).
  const ops: OpDef[] = plans.map((p, k) => {
    const op = sg.operators[k];
    const inputs = p.inputs.map((pos) => {
      const t = op.inputs[pos];
      if (t === undefined || t === -1) {
        const outT = im.tensor(op.outputs[0], `${im.opWhere(k)}.outputs[0]`);
        const weightsInput = p.mapping.weights!.input;
        const w = im.tensor(op.inputs[weightsInput], `${im.opWhere(k)}.inputs[${weightsInput}]`);
        const n = p.mapping.bias!.zeroBiasLength(w, outT);
        tensors.push({ name: `${outT.name}/zero_bias`, shape: [n], dtype: 'int32', buffer: blob.add(new Int32Array(n)) });
        return tensors.length - 1;
      }
      return newIndex.get(t)!;
    });
    const name = meta && meta.opNames.length === sg.operators.length ? String(meta.opNames[k]) : im.tensor(op.outputs[0], '').name || `op${k}`;
    return { type: p.type, version: OP_VERSIONS[p.type], name, inputs, outputs: [newIndex.get(op.outputs[0])!], options: p.options } as OpDef;
  });

  const blobBytes = blob.build();
  const g: QGraph = {
    format: QGRAPH_FORMAT,
    version: QGRAPH_VERSION,
    name: options.name ?? meta?.name ?? (sg.name || fileStem(source)),
    quantization: options.quantization ?? meta?.quantization ?? { scales: 'fixed', rounding: 'tflm' },
    tensors,
    inputs: sg.inputs.map((t) => newIndex.get(t)!),
    outputs: sg.outputs.map((t) => newIndex.get(t)!),
    ops,
    blobByteLength: blobBytes.length,
    blob: blobBytes,
    ...(meta?.metadata ? { metadata: meta.metadata } : {}),
  };
  try {
    validateQGraph(g);
  } catch (e) {
    if (e instanceof QGraphError) throw new TfliteError(source, `imported graph ${e.where}`, e.message.slice(e.where.length + 2));
    throw e;
  }
  return g;
}

/** The operator a bias tensor belongs to, and the TFLite position of that operator's weights. */
interface BiasUse {
  op: number;
  weightsInput: number;
}

function convertTensor(im: Importer, ti: number, blob: BlobBuilder, weightAxis: number | undefined, biasUse: BiasUse | undefined): TensorDef {
  const t = im.sg.tensors[ti];
  const where = im.tWhere(ti);
  const dtype = DTYPE_OF[t.type];
  if (!dtype) im.fail(where, `tensor type ${tensorTypeName(t.type)} is not supported (edgeq handles INT8, INT4 weights, INT32 bias and FLOAT32 at QUANTIZE/DEQUANTIZE)`);
  if (dtype === 'int4' && weightAxis === undefined) im.fail(where, `INT4 is supported only as the constant weights (filter) of ${INT4_WEIGHT_OPS}`);
  if (t.hasSparsity) im.fail(`${where}.sparsity`, 'sparse tensors (TFLite\'s sparsity format, e.g. FULLY_CONNECTED version 8) are not supported');
  if (t.isVariable) im.fail(where, 'variable tensors are not supported');
  if (t.shape.length < 1 || t.shape.length > 4 || t.shape.some((d) => !(d >= 1))) {
    im.fail(`${where}.shape`, `shape [${t.shape.join(', ')}] is not supported (1 to 4 dimensions, each ≥ 1)`);
  }
  const def: TensorDef = { name: t.name || `tensor${ti}`, shape: [...t.shape], dtype };
  const q = t.quantization;
  if (q?.hasDetails) im.fail(`${where}.quantization.details`, 'custom quantisation is not supported');
  if (biasUse !== undefined) {
    if (q) checkBiasScale(im, ti, biasUse);
  } else if (dtype === 'int8' || dtype === 'int4') {
    if (!q || q.scale.length === 0) im.fail(`${where}.quantization`, `${tensorTypeName(t.type)} tensor without quantisation parameters (scale, zero point)`);
    def.quant = convertQuant(im, ti, weightAxis);
  }
  const data = im.data(ti, where);
  if (dtype === 'int4') {
    if (!data) im.fail(where, `INT4 weights must be a constant tensor (a buffer with data); edgeq's 4-bit weights are constants`);
    def.buffer = blob.add(unpackInt4(data, t.shape.reduce((a, b) => a * b, 1)), 'int4');
  } else if (data) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const n = data.length / DTYPE_BYTES[dtype];
    const typed = dtype === 'int8' ? new Int8Array(data.buffer, data.byteOffset, data.byteLength)
      : dtype === 'int32' ? Int32Array.from({ length: n }, (_, k) => view.getInt32(DTYPE_BYTES.int32 * k, true))
      : Float32Array.from({ length: n }, (_, k) => view.getFloat32(DTYPE_BYTES.float32 * k, true));
    def.buffer = blob.add(typed);
  }
  return def;
}

function convertQuant(im: Importer, ti: number, weightAxis: number | undefined): QuantParams {
  const t = im.sg.tensors[ti];
  const q = t.quantization!;
  const where = `${im.tWhere(ti)}.quantization`;
  q.scale.forEach((s, c) => {
    if (!(s > 0) || !Number.isFinite(s)) im.fail(`${where}.scale[${c}]`, `scale must be finite and > 0, got ${s}`);
  });
  const n = q.scale.length;
  if (q.zeroPoint.length !== n && q.zeroPoint.length !== 1) {
    im.fail(`${where}.zero_point`, `has ${q.zeroPoint.length} entries, scale has ${n}`);
  }
  if (n === 1) return { scale: [q.scale[0]], zeroPoint: [q.zeroPoint[0] ?? 0] };
  const axis = q.quantizedDimension;
  if (!(axis >= 0 && axis < t.shape.length)) im.fail(`${where}.quantized_dimension`, `${axis} is not a dimension of shape [${t.shape.join(', ')}]`);
  if (t.shape[axis] !== n) {
    im.fail(`${where}.scale`, `per-channel array has ${n} entries but dimension ${axis} of shape [${t.shape.join(', ')}] has ${t.shape[axis]}`);
  }
  if (weightAxis === undefined) im.fail(where, `per-channel quantisation is only supported on weights, not on ${tensorTypeName(t.type)} activations`);
  if (axis !== weightAxis) im.fail(`${where}.quantized_dimension`, `per-channel weights must be quantised along dimension ${weightAxis}, file says ${axis}`);
  return { scale: [...q.scale], zeroPoint: q.zeroPoint.length === n ? [...q.zeroPoint] : new Array(n).fill(q.zeroPoint[0]), axis };
}

/** TFLite requires bias scale ≈ s_in·s_w[c]; edgeq derives it, so a different one would silently change the model. */
function checkBiasScale(im: Importer, ti: number, { op: k, weightsInput }: BiasUse): void {
  const op = im.sg.operators[k];
  const bias = im.sg.tensors[ti];
  const q = bias.quantization!;
  const x = im.tensor(op.inputs[0], `${im.opWhere(k)}.inputs[0]`);
  const w = im.tensor(op.inputs[weightsInput], `${im.opWhere(k)}.inputs[${weightsInput}]`);
  const sIn = x.quantization?.scale[0];
  const sw = w.quantization?.scale ?? [];
  if (sIn === undefined || sw.length === 0) return; // reported when the activation/weights are converted
  const n = bias.shape.reduce((a, b) => a * b, 1);
  if (q.scale.length !== 1 && q.scale.length !== n) {
    im.fail(`${im.opWhere(k)} bias ${im.tWhere(ti)}.quantization.scale`, `per-channel array has ${q.scale.length} entries, bias has ${n}`);
  }
  if (q.zeroPoint.some((z) => z !== 0)) im.fail(`${im.opWhere(k)} bias ${im.tWhere(ti)}.quantization.zero_point`, 'bias zero point must be 0');
  q.scale.forEach((s, c) => {
    const expected = sIn * sw[sw.length === 1 ? 0 : c];
    if (!(Math.abs(expected - s) <= BIAS_SCALE_TOLERANCE * Math.min(expected, s))) {
      im.fail(`${im.opWhere(k)} bias ${im.tWhere(ti)}.quantization.scale[${c}]`, `is ${s}, but TFLite requires input scale × weight scale = ${expected}`);
    }
  });
}
