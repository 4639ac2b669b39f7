/**
 * Saving and loading EdgeqModels: a model directory holds `edgeq-model.json` (format
 * "edgeq.model", version 1: the fused nodes and their parameters, the quantisation config
 * and schedule, phase, QAT step, observed ranges, history, and a manifest of the weights)
 * beside `weights.bin` (every weight as little-endian float32, at the manifest's offsets).
 * Weights are stored bit for bit and ranges as JSON numbers (which round-trip doubles
 * exactly), so a loaded model trains, evaluates and freezes exactly as the saved one.
 * Loading validates every field before creating any variable and throws a QatError naming
 * the file and the field at fault; saving builds the directory under a temporary name and
 * renames it into place.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { replaceableDir, writeDirAtomic } from '@edgeq/ir';
import { EdgeqModel, type ModelPhase, type QuantConfig, type Range } from './model.js';
import { OUTPUT_ONLY_KINDS, type BnParams, type ConvNode, type NetNode } from './net.js';
import { QatError } from './errors.js';

/** `format` of a model document. */
export const MODEL_FORMAT = 'edgeq.model';
/** The document version this build writes and reads. */
export const MODEL_FORMAT_VERSION = 1;
/** The document's file name inside a model directory. */
export const MODEL_DOC_FILE = 'edgeq-model.json';
/** The weight blob's file name inside a model directory. */
export const MODEL_WEIGHTS_FILE = 'weights.bin';

/** One weight in the blob: float32 little-endian, `shape` elements from byte `offset`. */
export interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
  /** Whether training updates it (false for BN moving statistics, and γ/β of a BN without scale/center). */
  trainable: boolean;
}

/** Names (in the weight manifest) of a conv node's parameters. */
export interface ConvWeightRefs {
  kernel: string;
  bias?: string;
  gamma?: string;
  beta?: string;
  movingMean?: string;
  movingVariance?: string;
}

/** A node as stored: a NetNode without its variables; conv nodes name their weights instead. */
export type NodeDoc =
  | Exclude<NetNode, ConvNode>
  | (Omit<ConvNode, 'kernel' | 'bias' | 'bn'> & { weights: ConvWeightRefs; bn?: Pick<BnParams, 'epsilon' | 'momentum'> });

/** The JSON document of a saved model (`edgeq-model.json`). */
export interface ModelDoc {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  name: string;
  phase: ModelPhase;
  qatStep: number;
  config: QuantConfig;
  /** Observed activation range per node (null where none). */
  ranges: (Range | null)[];
  /** 4-bit layers' weight scales fixed by the schedule (absent: none fixed). */
  frozenWeightScales?: { layer: string; scales: number[] }[];
  history: string[];
  nodes: NodeDoc[];
  weights: {
    file: string;
    dtype: 'float32';
    byteOrder: 'little';
    byteLength: number;
    entries: WeightEntry[];
  };
  /** Informational: what wrote the directory. */
  producer?: string;
}

/** Where a model's parts come from, for error messages. */
export interface ModelSource {
  doc: string;
  blob: string;
}

// ---------------------------------------------------------------------------------------
// Encoding

/**
 * Serialise a model to its document and weight blob (nothing is written).
 * @throws QatError naming the layer and weight when a weight is not finite
 */
export function encodeModel(model: EdgeqModel): { doc: ModelDoc; blob: Uint8Array } {
  const entries: WeightEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (node: string, role: string, v: tf.Variable): string => {
    const name = `${node}/${role}`;
    if (entries.some((e) => e.name === name)) throw new QatError(`layer ${JSON.stringify(node)}`, `weight name ${JSON.stringify(name)} is not unique`);
    const data = v.dataSync() as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new QatError(`layer ${JSON.stringify(node)} ${role}`, `holds ${data[i]} at element ${i}; only finite weights can be saved`);
    }
    entries.push({ name, shape: [...v.shape], offset, trainable: v.trainable });
    chunks.push(data);
    offset += data.length * 4;
    return name;
  };
  const nodes = model.net.nodes.map((n): NodeDoc => {
    if (n.kind !== 'conv') return structuredClone(n);
    const { kernel, bias, bn, ...rest } = n;
    const weights: ConvWeightRefs = { kernel: add(n.name, 'kernel', kernel) };
    if (bias) weights.bias = add(n.name, 'bias', bias);
    if (bn) {
      weights.gamma = add(n.name, 'bn/gamma', bn.gamma);
      weights.beta = add(n.name, 'bn/beta', bn.beta);
      weights.movingMean = add(n.name, 'bn/moving_mean', bn.mean);
      weights.movingVariance = add(n.name, 'bn/moving_variance', bn.variance);
    }
    return { ...structuredClone(rest), weights, ...(bn ? { bn: { epsilon: bn.epsilon, momentum: bn.momentum } } : {}) };
  });
  const blob = new Uint8Array(offset);
  const view = new DataView(blob.buffer);
  let o = 0;
  for (const c of chunks) for (let i = 0; i < c.length; i++, o += 4) view.setFloat32(o, c[i], true);
  const doc: ModelDoc = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    name: model.name,
    phase: model.phase,
    qatStep: model.qatStep,
    config: structuredClone(model.config),
    ranges: model.ranges.map((r) => (r ? { min: r.min, max: r.max } : null)),
    ...(model.frozenWeightScales.size ? { frozenWeightScales: [...model.frozenWeightScales].map(([layer, scales]) => ({ layer, scales: [...scales] })) } : {}),
    history: [...model.history],
    nodes,
    weights: { file: MODEL_WEIGHTS_FILE, dtype: 'float32', byteOrder: 'little', byteLength: blob.length, entries },
    producer: '@edgeq/qat',
  };
  return { doc, blob };
}

/**
 * Write a model's files into an existing directory (not atomically: see {@link saveModel}).
 * For callers that manage their own temporary output, e.g. the CLI's interruptible writes.
 */
export async function writeModelFiles(model: EdgeqModel, dir: string): Promise<void> {
  const { doc, blob } = encodeModel(model);
  await fs.writeFile(path.join(dir, MODEL_WEIGHTS_FILE), blob);
  await fs.writeFile(path.join(dir, MODEL_DOC_FILE), JSON.stringify(doc, null, 1) + '\n');
}

/**
 * Refuse to replace `dir` unless it is absent, empty, or a saved model directory — so a
 * mistyped output path never deletes unrelated files.
 * @throws QatError naming `dir`
 */
export async function checkModelOutputDir(dir: string): Promise<void> {
  const state = await replaceableDir(dir, MODEL_DOC_FILE);
  if (state === 'not-a-directory') throw new QatError(dir, 'exists and is not a directory; refusing to replace it with a model directory');
  if (state === 'foreign') throw new QatError(dir, `exists and is not an edgeq model directory (no ${MODEL_DOC_FILE}); refusing to replace it`);
}

/**
 * Save a model (float or quantised, with its QAT state) as a model directory. The
 * directory is built under a temporary sibling name and renamed into place, so `dir` is
 * never half-written; an existing model directory there is replaced.
 * @throws QatError when `dir` exists and is not a model directory, or a weight is not finite
 */
export async function saveModel(model: EdgeqModel, dir: string): Promise<void> {
  await checkModelOutputDir(dir);
  const { doc, blob } = encodeModel(model);
  await writeDirAtomic(dir, async (tmp) => {
    await fs.writeFile(path.join(tmp, MODEL_WEIGHTS_FILE), blob);
    await fs.writeFile(path.join(tmp, MODEL_DOC_FILE), JSON.stringify(doc, null, 1) + '\n');
  });
}

// ---------------------------------------------------------------------------------------
// Decoding and validation

type Obj = Record<string, unknown>;

/** Field checks that throw QatError(`<file>: <field>`, …). */
class Checker {
  constructor(readonly file: string) {}

  fail(field: string, message: string): never {
    throw new QatError(field ? `${this.file}: ${field}` : this.file, message);
  }

  obj(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `expected an object, got ${show(v)}`);
    return v as Obj;
  }

  arr(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, `expected an array, got ${show(v)}`);
    return v;
  }

  str(v: unknown, field: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(field, `expected a non-empty string, got ${show(v)}`);
    return v;
  }

  bool(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, `expected true or false, got ${show(v)}`);
    return v;
  }

  num(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a finite number, got ${show(v)}`);
    return v;
  }

  int(v: unknown, field: string, min = 0): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(field, `expected an integer ≥ ${min}, got ${show(v)}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    if (!allowed.includes(v as T)) this.fail(field, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${show(v)}`);
    return v as T;
  }

  ints(v: unknown, field: string, min: number, len?: number): number[] {
    const a = this.arr(v, field);
    if (len !== undefined && a.length !== len) this.fail(field, `expected ${len} integers, got ${show(v)}`);
    return a.map((x, i) => this.int(x, `${field}[${i}]`, min));
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const ACTS = ['NONE', 'RELU', 'RELU6'] as const;
const PADDINGS = ['same', 'valid'] as const;
const KINDS = ['input', 'conv', 'add', 'concat', 'maxpool', 'avgpool', 'gap', 'reshape', 'pad', 'softmax', 'crop', 'upsample', 'logistic'] as const;

function checkConfig(c: Checker, v: unknown): QuantConfig {
  const o = c.obj(v, 'config');
  const ir = c.arr(o.inputRange, 'config.inputRange');
  if (ir.length !== 2) c.fail('config.inputRange', `expected [min, max], got ${show(ir)}`);
  const inputRange: [number, number] = [c.num(ir[0], 'config.inputRange[0]'), c.num(ir[1], 'config.inputRange[1]')];
  if (!(inputRange[0] < inputRange[1])) c.fail('config.inputRange', `min must be below max, got ${show(ir)}`);
  const emaDecay = c.num(o.emaDecay, 'config.emaDecay');
  if (emaDecay < 0 || emaDecay > 1) c.fail('config.emaDecay', `expected a number in [0, 1], got ${emaDecay}`);
  const s = c.obj(o.schedule, 'config.schedule');
  return {
    scales: c.oneOf(o.scales, 'config.scales', ['fixed', 'pow2'] as const),
    rounding: c.oneOf(o.rounding, 'config.rounding', ['tflm', 'single', 'fp32'] as const),
    perChannel: c.bool(o.perChannel, 'config.perChannel'),
    // Absent in files written before W4A8: 8-bit weights.
    weightBits: o.weightBits === undefined ? 8 : o.weightBits === 4 || o.weightBits === 8 ? o.weightBits : c.fail('config.weightBits', `expected 4 or 8, got ${show(o.weightBits)}`),
    int8Layers: o.int8Layers === undefined ? [] : c.arr(o.int8Layers, 'config.int8Layers').map((v, i) => c.str(v, `config.int8Layers[${i}]`)),
    int4Clipping: o.int4Clipping === undefined ? 'mse' : c.oneOf(o.int4Clipping, 'config.int4Clipping', ['max', 'mse'] as const),
    inputRange,
    emaDecay,
    schedule: {
      recordSteps: c.int(s.recordSteps, 'config.schedule.recordSteps'),
      freezeBnStep: c.int(s.freezeBnStep, 'config.schedule.freezeBnStep'),
      freezeRangesStep: c.int(s.freezeRangesStep, 'config.schedule.freezeRangesStep'),
      ...(s.freezeWeightScalesStep === undefined ? {} : { freezeWeightScalesStep: c.int(s.freezeWeightScalesStep, 'config.schedule.freezeWeightScalesStep') }),
    },
  };
}

/** A validated node without variables, plus (for conv) its weight references. */
type CheckedNode = { node: NetNode | Omit<ConvNode, 'kernel' | 'bias' | 'bn'>; refs?: ConvWeightRefs; bn?: { epsilon: number; momentum: number } };

function checkNode(c: Checker, v: unknown, i: number, prev: CheckedNode[]): CheckedNode {
  const f = `nodes[${i}]`;
  const o = c.obj(v, f);
  const kind = c.oneOf(o.kind, `${f}.kind`, KINDS);
  const name = c.str(o.name, `${f}.name`);
  const at = `${f} ${JSON.stringify(name)}`;
  const shape = c.ints(o.shape, `${at}.shape`, 1);
  if (shape.length === 0) c.fail(`${at}.shape`, 'expected at least one dimension');
  const inputs = c.ints(o.inputs, `${at}.inputs`, 0);
  for (const [k, x] of inputs.entries()) if (x >= i) c.fail(`${at}.inputs[${k}]`, `node ${x} is not an earlier node (nodes are in topological order)`);
  const nIn = (n: number) => {
    if (inputs.length !== n) c.fail(`${at}.inputs`, `a ${kind} node takes ${n} input(s), got ${inputs.length}`);
  };
  if ((kind === 'input') !== (i === 0)) c.fail(`${at}.kind`, i === 0 ? `the first node must be the input, got ${JSON.stringify(kind)}` : 'only the first node may be the input');
  const base = { name, shape, inputs };
  const inShape = inputs.length ? prev[inputs[0]].node.shape : [];
  switch (kind) {
    case 'input':
      nIn(0);
      if (shape.length !== 3 && shape.length !== 1) c.fail(`${at}.shape`, `an input is [h, w, c] or [features], got ${show(shape)}`);
      return { node: { kind, ...base } };
    case 'conv': {
      nIn(1);
      const op = c.oneOf(o.op, `${at}.op`, ['conv', 'dw', 'dense'] as const);
      const channels = c.int(o.channels, `${at}.channels`, 1);
      if (shape[shape.length - 1] !== channels) c.fail(`${at}.channels`, `${channels} does not match the last dimension of shape ${show(shape)}`);
      const w = c.obj(o.weights, `${at}.weights`);
      const refs: ConvWeightRefs = { kernel: c.str(w.kernel, `${at}.weights.kernel`) };
      if (w.bias !== undefined) refs.bias = c.str(w.bias, `${at}.weights.bias`);
      let bn: CheckedNode['bn'];
      if (o.bn !== undefined) {
        const b = c.obj(o.bn, `${at}.bn`);
        const epsilon = c.num(b.epsilon, `${at}.bn.epsilon`);
        if (epsilon <= 0) c.fail(`${at}.bn.epsilon`, `expected a positive number, got ${epsilon}`);
        const momentum = c.num(b.momentum, `${at}.bn.momentum`);
        if (momentum < 0 || momentum > 1) c.fail(`${at}.bn.momentum`, `expected a number in [0, 1], got ${momentum}`);
        bn = { epsilon, momentum };
        for (const k of ['gamma', 'beta', 'movingMean', 'movingVariance'] as const) refs[k] = c.str(w[k], `${at}.weights.${k}`);
      }
      if (op === 'dense' ? inShape.length !== 1 : inShape.length !== 3) {
        c.fail(`${at}.inputs`, `a ${op} node needs a ${op === 'dense' ? 'flat' : '[h, w, c]'} input, node ${inputs[0]} has shape ${show(inShape)}`);
      }
      return {
        node: {
          kind, ...base, op, channels,
          act: c.oneOf(o.act, `${at}.act`, ACTS),
          stride: c.ints(o.stride, `${at}.stride`, 1, 2) as [number, number],
          padding: c.oneOf(o.padding, `${at}.padding`, PADDINGS),
          multiplier: c.int(o.multiplier, `${at}.multiplier`, 1),
        },
        refs,
        bn,
      };
    }
    case 'add':
      nIn(2);
      return { node: { kind, ...base, act: c.oneOf(o.act, `${at}.act`, ACTS) } };
    case 'concat':
      if (inputs.length < 1) c.fail(`${at}.inputs`, 'a concat node needs inputs');
      return { node: { kind, ...base, act: c.oneOf(o.act, `${at}.act`, ACTS) } };
    case 'maxpool':
    case 'avgpool':
      nIn(1);
      return {
        node: {
          kind, ...base,
          size: c.ints(o.size, `${at}.size`, 1, 2) as [number, number],
          stride: c.ints(o.stride, `${at}.stride`, 1, 2) as [number, number],
          padding: c.oneOf(o.padding, `${at}.padding`, PADDINGS),
        },
      };
    case 'pad': {
      nIn(1);
      const p = c.arr(o.pads, `${at}.pads`);
      if (p.length !== 2) c.fail(`${at}.pads`, `expected [[top, bottom], [left, right]], got ${show(p)}`);
      const pads = p.map((x, k) => c.ints(x, `${at}.pads[${k}]`, 0, 2)) as [[number, number], [number, number]];
      return { node: { kind, ...base, pads } };
    }
    case 'crop': {
      nIn(1);
      const begin = c.ints(o.begin, `${at}.begin`, 0, 2) as [number, number];
      if (inShape.length !== 3 || shape.length !== 3 || begin[0] + shape[0] > inShape[0] || begin[1] + shape[1] > inShape[1] || shape[2] !== inShape[2]) {
        c.fail(`${at}.begin`, `a ${show(shape)} box from ${show(begin)} does not fit input node ${inputs[0]} of shape ${show(inShape)}`);
      }
      return { node: { kind, ...base, begin } };
    }
    case 'upsample':
      nIn(1);
      return { node: { kind, ...base, size: c.ints(o.size, `${at}.size`, 1, 2) as [number, number] } };
    case 'gap':
    case 'reshape':
    case 'softmax':
    case 'logistic':
      nIn(1);
      return { node: { kind, ...base } };
  }
}

/** The shape a conv node's weight must have. */
function expectedShape(n: Omit<ConvNode, 'kernel' | 'bias' | 'bn'>, role: keyof ConvWeightRefs, inShape: number[], kernel?: number[]): (number | undefined)[] {
  if (role !== 'kernel') return [n.channels];
  const cin = inShape[inShape.length - 1];
  if (n.op === 'dense') return [cin, n.channels];
  if (n.op === 'dw') return [kernel?.[0], kernel?.[1], cin, n.multiplier];
  return [kernel?.[0], kernel?.[1], cin, n.channels];
}

/**
 * Build a model from a parsed document and its weight blob, validating everything first.
 * @param source file names used in error messages
 * @throws QatError naming the file and the field at fault
 */
export function decodeModel(docValue: unknown, blob: Uint8Array, source: ModelSource = { doc: MODEL_DOC_FILE, blob: MODEL_WEIGHTS_FILE }): EdgeqModel {
  const c: Checker = new Checker(source.doc);
  const doc = c.obj(docValue, '');
  if (doc.format !== MODEL_FORMAT) c.fail('format', `expected ${JSON.stringify(MODEL_FORMAT)}, got ${show(doc.format)} (not an edgeq model document)`);
  if (doc.version !== MODEL_FORMAT_VERSION) {
    c.fail('version', `${show(doc.version)} is not supported (this build of @edgeq/qat reads version ${MODEL_FORMAT_VERSION})`);
  }
  const name = c.str(doc.name, 'name');
  const phase = c.oneOf(doc.phase, 'phase', ['float', 'quant'] as const);
  const qatStep = c.int(doc.qatStep, 'qatStep');
  const config = checkConfig(c, doc.config);
  const history = c.arr(doc.history, 'history').map((h, i) => {
    if (typeof h !== 'string') c.fail(`history[${i}]`, `expected a string, got ${show(h)}`);
    return h;
  });
  const nodeDocs = c.arr(doc.nodes, 'nodes');
  if (nodeDocs.length === 0) c.fail('nodes', 'a model has at least an input node');
  const checked: CheckedNode[] = [];
  for (const [i, n] of nodeDocs.entries()) checked.push(checkNode(c, n, i, checked));
  const names = new Set<string>();
  for (const [i, { node }] of checked.entries()) {
    if (names.has(node.name)) c.fail(`nodes[${i}].name`, `${JSON.stringify(node.name)} is used by an earlier node`);
    names.add(node.name);
    if (OUTPUT_ONLY_KINDS.includes(node.kind) && i !== checked.length - 1) c.fail(`nodes[${i}]`, `${node.kind} is only supported as the last node`);
  }
  const rangeDocs = c.arr(doc.ranges, 'ranges');
  if (rangeDocs.length !== checked.length) c.fail('ranges', `has ${rangeDocs.length} entries for ${checked.length} nodes`);
  const ranges = rangeDocs.map((r, i): Range | undefined => {
    if (r === null) return undefined;
    const o = c.obj(r, `ranges[${i}]`);
    const min = c.num(o.min, `ranges[${i}].min`);
    const max = c.num(o.max, `ranges[${i}].max`);
    if (min > max) c.fail(`ranges[${i}]`, `min ${min} is above max ${max}`);
    return { min, max };
  });
  const frozenWeightScales = new Map<string, number[]>();
  for (const [i, f] of (doc.frozenWeightScales === undefined ? [] : c.arr(doc.frozenWeightScales, 'frozenWeightScales')).entries()) {
    const o = c.obj(f, `frozenWeightScales[${i}]`);
    const layer = c.str(o.layer, `frozenWeightScales[${i}].layer`);
    const conv = checked.find(({ node }) => node.name === layer)?.node;
    if (conv?.kind !== 'conv') c.fail(`frozenWeightScales[${i}].layer`, `${JSON.stringify(layer)} is not a conv/depthwise/dense layer of the model`);
    const scales = c.arr(o.scales, `frozenWeightScales[${i}].scales`).map((v, k) => {
      const x = c.num(v, `frozenWeightScales[${i}].scales[${k}]`);
      if (!(x > 0)) c.fail(`frozenWeightScales[${i}].scales[${k}]`, `expected a positive scale, got ${x}`);
      return x;
    });
    const want = config.perChannel ? conv.channels : 1;
    if (scales.length !== want) c.fail(`frozenWeightScales[${i}].scales`, `has ${scales.length} scales; layer ${JSON.stringify(layer)} takes ${want}`);
    frozenWeightScales.set(layer, scales);
  }

  // Weight manifest.
  const w = c.obj(doc.weights, 'weights');
  if (w.file !== MODEL_WEIGHTS_FILE) c.fail('weights.file', `expected ${JSON.stringify(MODEL_WEIGHTS_FILE)}, got ${show(w.file)}`);
  c.oneOf(w.dtype, 'weights.dtype', ['float32'] as const);
  c.oneOf(w.byteOrder, 'weights.byteOrder', ['little'] as const);
  const byteLength = c.int(w.byteLength, 'weights.byteLength');
  const entries = new Map<string, { entry: WeightEntry; field: string; used: boolean }>();
  for (const [i, e] of c.arr(w.entries, 'weights.entries').entries()) {
    const f = `weights.entries[${i}]`;
    const o = c.obj(e, f);
    const ename = c.str(o.name, `${f}.name`);
    const at = `${f} ${JSON.stringify(ename)}`;
    const shape = c.ints(o.shape, `${at}.shape`, 1);
    const offset = c.int(o.offset, `${at}.offset`);
    if (offset % 4 !== 0) c.fail(`${at}.offset`, `${offset} is not a multiple of 4 (float32)`);
    const end = offset + 4 * shape.reduce((a, d) => a * d, 1);
    if (end > byteLength) c.fail(`${at}`, `ends at byte ${end}, past weights.byteLength ${byteLength}`);
    if (entries.has(ename)) c.fail(`${at}.name`, 'is used by an earlier entry');
    entries.set(ename, { entry: { name: ename, shape, offset, trainable: c.bool(o.trainable, `${at}.trainable`) }, field: at, used: false });
  }
  // Each conv weight: present in the manifest, of the shape its node needs.
  for (const [i, { node, refs }] of checked.entries()) {
    if (!refs || node.kind !== 'conv') continue;
    const inShape = checked[node.inputs[0]].node.shape;
    const kernel = entries.get(refs.kernel)?.entry.shape;
    for (const [role, ref] of Object.entries(refs) as [keyof ConvWeightRefs, string][]) {
      const e = entries.get(ref);
      if (!e) c.fail(`nodes[${i}] ${JSON.stringify(node.name)}.weights.${role}`, `${JSON.stringify(ref)} is not in weights.entries`);
      if (e.used) c.fail(`nodes[${i}] ${JSON.stringify(node.name)}.weights.${role}`, `${JSON.stringify(ref)} is already used by another weight`);
      e.used = true;
      const want = expectedShape(node, role, inShape, kernel);
      const ok = e.entry.shape.length === want.length && want.every((d, k) => d === undefined || d === e.entry.shape[k]);
      if (!ok) {
        const wantText = `[${want.map((d) => d ?? '?').join(', ')}]`;
        c.fail(`${e.field}.shape`, `${show(e.entry.shape)} does not fit ${role} of layer ${JSON.stringify(node.name)} (${node.op}, expected ${wantText})`);
      }
    }
  }
  for (const e of entries.values()) if (!e.used) c.fail(e.field, 'is not used by any node');

  // The blob: exact length, finite values.
  const b: Checker = new Checker(source.blob);
  if (blob.length < byteLength) b.fail('', `is ${blob.length} bytes, but weights.byteLength in ${source.doc} is ${byteLength} (truncated file?)`);
  if (blob.length > byteLength) b.fail('', `is ${blob.length} bytes, but weights.byteLength in ${source.doc} is ${byteLength} (extra bytes)`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const values = new Map<string, Float32Array>();
  for (const { entry } of entries.values()) {
    const n = entry.shape.reduce((a, d) => a * d, 1);
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const x = view.getFloat32(entry.offset + 4 * k, true);
      if (!Number.isFinite(x)) b.fail(`weight ${JSON.stringify(entry.name)}`, `element ${k} is ${x}; weights must be finite`);
      out[k] = x;
    }
    values.set(entry.name, out);
  }

  // Everything checked: create the variables.
  const variable = (ref: string) => {
    const { entry } = entries.get(ref)!;
    const t = tf.tensor(values.get(ref)!, entry.shape, 'float32');
    const v = tf.variable(t, entry.trainable);
    t.dispose(); // the variable holds its own reference to the data
    return v;
  };
  const nodes = checked.map(({ node, refs, bn }): NetNode => {
    if (node.kind !== 'conv' || !refs) return node as NetNode;
    const conv: ConvNode = { ...(node as Omit<ConvNode, 'kernel' | 'bias' | 'bn'>), kernel: variable(refs.kernel) };
    if (refs.bias) conv.bias = variable(refs.bias);
    if (bn) {
      conv.bn = {
        gamma: variable(refs.gamma!), beta: variable(refs.beta!), mean: variable(refs.movingMean!), variance: variable(refs.movingVariance!),
        epsilon: bn.epsilon, momentum: bn.momentum,
      };
    }
    return conv;
  });
  const m = new EdgeqModel({ name, nodes });
  m.config = config;
  m.phase = phase;
  m.ranges = ranges;
  m.qatStep = qatStep;
  m.frozenWeightScales = frozenWeightScales;
  m.history = history;
  return m;
}

/**
 * Load a model directory written by {@link saveModel}.
 * @throws QatError naming the file and the field at fault: a missing directory or file, bad
 * JSON, an unknown format version, a wrong weight shape, a blob too short, a non-finite weight
 */
export async function loadModel(dir: string): Promise<EdgeqModel> {
  const docPath = path.join(dir, MODEL_DOC_FILE);
  const blobPath = path.join(dir, MODEL_WEIGHTS_FILE);
  let st;
  try {
    st = await fs.stat(dir);
  } catch {
    throw new QatError(dir, 'no such model directory');
  }
  if (!st.isDirectory()) throw new QatError(dir, `is not a model directory (expected a directory with ${MODEL_DOC_FILE} and ${MODEL_WEIGHTS_FILE})`);
  const read = async (file: string, what: string) => {
    try {
      return await fs.readFile(file);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new QatError(file, err.code === 'ENOENT' ? `missing (${what} of a saved model)` : `cannot read ${what}: ${err.message}`);
    }
  };
  const text = (await read(docPath, 'the model document')).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new QatError(docPath, `not valid JSON: ${(e as Error).message}`);
  }
  const blob = new Uint8Array(await read(blobPath, 'the weights'));
  return decodeModel(doc, blob, { doc: docPath, blob: blobPath });
}

/** Whether `dir` looks like a saved model directory (has {@link MODEL_DOC_FILE}). */
export async function isModelDir(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(path.join(dir, MODEL_DOC_FILE))).isFile();
  } catch {
    return false;
  }
}
