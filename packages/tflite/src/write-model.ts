/**
 * Writes a TflModel (model.ts) as .tflite bytes with the `flatbuffers` runtime's Builder:
 * children before parents, field slots from schema.ts, buffers 16-byte aligned as the
 * schema asks, file identifier "TFL3".
 */

import { Builder } from 'flatbuffers';
import { OPTIONS_TABLES } from './op-map.js';
import { Slot, TFLITE_FILE_IDENTIFIER, type FieldKind, type FieldSpec } from './schema.js';
import type { TflModel, TflOperator, TflOptions, TflQuantization, TflSubgraph, TflTensor } from './model.js';

function i32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}
function f32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}
function i64Vector(b: Builder, values: readonly number[]): number {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]));
  return b.endVector();
}
function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}
/** [ubyte] with the 16-byte alignment Buffer.data requires. */
function byteVector(b: Builder, data: Uint8Array): number {
  b.startVector(1, data.length, 16);
  for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i]);
  return b.endVector();
}

/** How a scalar field of each storage kind is added (a value equal to the default is omitted). */
const ADD_SCALAR_FIELD: Readonly<Record<Exclude<FieldKind, 'i32s'>, (b: Builder, spec: FieldSpec, value: TflOptions[string]) => void>> = {
  i8: (b, spec, value) => b.addFieldInt8(spec.slot, value as number, spec.default as number),
  u8: (b, spec, value) => b.addFieldInt8(spec.slot, value as number, spec.default as number),
  bool: (b, spec, value) => b.addFieldInt8(spec.slot, value ? 1 : 0, spec.default ? 1 : 0),
  i32: (b, spec, value) => b.addFieldInt32(spec.slot, value as number, spec.default as number),
  f32: (b, spec, value) => b.addFieldFloat32(spec.slot, value as number, spec.default as number),
};

function writeOptions(b: Builder, type: number, options: TflOptions | undefined): number {
  const layout = OPTIONS_TABLES.get(type);
  if (!layout) throw new Error(`write-model: no writer for builtin options type ${type}`);
  const fields = Object.entries(layout.fields);
  // Vectors first: a table's children are built before the table starts.
  const vectors = new Map<string, number>();
  for (const [name, spec] of fields) {
    if (spec.kind === 'i32s' && options?.[name] !== undefined) vectors.set(name, i32Vector(b, options[name] as number[]));
  }
  b.startObject(Math.max(0, ...fields.map(([, spec]) => spec.slot + 1)));
  for (const [name, spec] of fields) {
    const value = options?.[name];
    if (value === undefined) continue;
    if (spec.kind === 'i32s') b.addFieldOffset(spec.slot, vectors.get(name)!, 0);
    else ADD_SCALAR_FIELD[spec.kind](b, spec, value);
  }
  return b.endObject();
}

function writeQuantization(b: Builder, q: TflQuantization): number {
  const S = Slot.QuantizationParameters;
  const scale = f32Vector(b, q.scale);
  const zp = i64Vector(b, q.zeroPoint);
  b.startObject(7);
  b.addFieldOffset(S.scale, scale, 0);
  b.addFieldOffset(S.zero_point, zp, 0);
  b.addFieldInt32(S.quantized_dimension, q.quantizedDimension, 0);
  return b.endObject();
}

function writeTensor(b: Builder, t: TflTensor): number {
  const S = Slot.Tensor;
  const name = b.createString(t.name);
  const shape = i32Vector(b, t.shape);
  const quant = t.quantization ? writeQuantization(b, t.quantization) : 0;
  b.startObject(9);
  b.addFieldOffset(S.shape, shape, 0);
  b.addFieldInt8(S.type, t.type, 0);
  b.addFieldInt32(S.buffer, t.buffer, 0);
  b.addFieldOffset(S.name, name, 0);
  if (quant) b.addFieldOffset(S.quantization, quant, 0);
  return b.endObject();
}

function writeOperator(b: Builder, op: TflOperator): number {
  const S = Slot.Operator;
  const inputs = i32Vector(b, op.inputs);
  const outputs = i32Vector(b, op.outputs);
  const options = op.optionsType ? writeOptions(b, op.optionsType, op.options) : 0;
  b.startObject(9);
  b.addFieldInt32(S.opcode_index, op.opcodeIndex, 0);
  b.addFieldOffset(S.inputs, inputs, 0);
  b.addFieldOffset(S.outputs, outputs, 0);
  b.addFieldInt8(S.builtin_options_type, op.optionsType, 0);
  if (options) b.addFieldOffset(S.builtin_options, options, 0);
  return b.endObject();
}

function writeSubgraph(b: Builder, g: TflSubgraph): number {
  const S = Slot.SubGraph;
  const tensors = offsetVector(b, g.tensors.map((t) => writeTensor(b, t)));
  const inputs = i32Vector(b, g.inputs);
  const outputs = i32Vector(b, g.outputs);
  const operators = offsetVector(b, g.operators.map((op) => writeOperator(b, op)));
  const name = b.createString(g.name);
  b.startObject(5);
  b.addFieldOffset(S.tensors, tensors, 0);
  b.addFieldOffset(S.inputs, inputs, 0);
  b.addFieldOffset(S.outputs, outputs, 0);
  b.addFieldOffset(S.operators, operators, 0);
  b.addFieldOffset(S.name, name, 0);
  return b.endObject();
}

/** Serialise a model to .tflite bytes. */
export function writeTfliteModel(m: TflModel): Uint8Array {
  const size = 1024 + m.buffers.reduce((s, d) => s + d.length + 32, 0);
  const b = new Builder(size);
  const buffers = offsetVector(b, m.buffers.map((d) => {
    const data = d.length ? byteVector(b, d) : 0;
    b.startObject(3);
    if (data) b.addFieldOffset(Slot.Buffer.data, data, 0);
    return b.endObject();
  }));
  const codes = offsetVector(b, m.operatorCodes.map((c) => {
    const custom = c.customCode !== undefined ? b.createString(c.customCode) : 0;
    b.startObject(4);
    b.addFieldInt8(Slot.OperatorCode.deprecated_builtin_code, Math.min(c.builtinCode, 127), 0);
    if (custom) b.addFieldOffset(Slot.OperatorCode.custom_code, custom, 0);
    b.addFieldInt32(Slot.OperatorCode.version, c.version, 1);
    b.addFieldInt32(Slot.OperatorCode.builtin_code, c.builtinCode, 0);
    return b.endObject();
  }));
  const subgraphs = offsetVector(b, m.subgraphs.map((g) => writeSubgraph(b, g)));
  const description = b.createString(m.description);
  const metadata = offsetVector(b, m.metadata.map((md) => {
    const name = b.createString(md.name);
    b.startObject(2);
    b.addFieldOffset(Slot.Metadata.name, name, 0);
    b.addFieldInt32(Slot.Metadata.buffer, md.buffer, 0);
    return b.endObject();
  }));
  const M = Slot.Model;
  b.startObject(8);
  b.addFieldInt32(M.version, m.version, 0);
  b.addFieldOffset(M.operator_codes, codes, 0);
  b.addFieldOffset(M.subgraphs, subgraphs, 0);
  b.addFieldOffset(M.description, description, 0);
  b.addFieldOffset(M.buffers, buffers, 0);
  if (m.metadata.length) b.addFieldOffset(M.metadata, metadata, 0);
  const root = b.endObject();
  b.finish(root, TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}
