/**
 * Reads .tflite bytes into a TflModel (model.ts) through the bounds-checked flatbuffer
 * reader. Structural faults (not a flatbuffer, truncation, wrong identifier or schema
 * version, offsets out of range) become TfliteErrors here; what the fields mean is
 * checked by the importer.
 */

import { FlatBuffer, type Table } from './fb-reader.js';
import { OPTIONS_TABLES } from './op-map.js';
import {
  Slot,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  type FieldKind,
  type FieldSpec,
  type OptionsTableLayout,
} from './schema.js';
import type { TflModel, TflOperator, TflOptions, TflQuantization, TflSubgraph, TflTensor } from './model.js';

/** How a field of each storage kind is read (absent fields read as the schema default). */
const READ_FIELD: Readonly<Record<FieldKind, (t: Table, spec: FieldSpec, name: string) => TflOptions[string]>> = {
  i8: (t, spec, name) => t.i8(spec.slot, name, spec.default as number),
  u8: (t, spec, name) => t.u8(spec.slot, name, spec.default as number),
  bool: (t, spec, name) => t.bool(spec.slot, name, spec.default as boolean),
  i32: (t, spec, name) => t.i32(spec.slot, name, spec.default as number),
  f32: (t, spec, name) => t.f32(spec.slot, name, spec.default as number),
  i32s: (t, spec, name) => t.i32s(spec.slot, name) ?? [],
};

/** Read an options table field by field; an absent table reads as all schema defaults. */
function readOptions(t: Table | undefined, layout: OptionsTableLayout): TflOptions {
  const out: TflOptions = {};
  for (const [name, spec] of Object.entries(layout.fields)) {
    out[name] = t ? READ_FIELD[spec.kind](t, spec, name) : spec.kind === 'i32s' ? [] : spec.default;
  }
  return out;
}

function readQuantization(t: Table): TflQuantization {
  const S = Slot.QuantizationParameters;
  return {
    scale: t.f32s(S.scale, 'scale') ?? [],
    zeroPoint: t.i64s(S.zero_point, 'zero_point') ?? [],
    quantizedDimension: t.i32(S.quantized_dimension, 'quantized_dimension'),
    ...(t.u8(S.details_type, 'details_type') !== 0 ? { hasDetails: true } : {}),
  };
}

function readTensor(t: Table): TflTensor {
  const S = Slot.Tensor;
  const q = t.table(S.quantization, 'quantization');
  const tensor: TflTensor = {
    name: t.string(S.name, 'name') ?? '',
    shape: t.i32s(S.shape, 'shape') ?? [],
    type: t.i8(S.type, 'type'),
    buffer: t.u32(S.buffer, 'buffer'),
  };
  if (q) {
    const qp = readQuantization(q);
    // An empty QuantizationParameters table means "not quantised" to TFLite.
    if (qp.scale.length || qp.zeroPoint.length || qp.hasDetails) tensor.quantization = qp;
  }
  if (t.bool(S.is_variable, 'is_variable')) tensor.isVariable = true;
  if (t.has(S.sparsity, 'sparsity')) tensor.hasSparsity = true;
  return tensor;
}

function readOperator(t: Table): TflOperator {
  const S = Slot.Operator;
  const optionsType = t.u8(S.builtin_options_type, 'builtin_options_type');
  const op: TflOperator = {
    opcodeIndex: t.u32(S.opcode_index, 'opcode_index'),
    inputs: t.i32s(S.inputs, 'inputs') ?? [],
    outputs: t.i32s(S.outputs, 'outputs') ?? [],
    optionsType,
  };
  const layout = OPTIONS_TABLES.get(optionsType);
  const table = t.table(S.builtin_options, 'builtin_options');
  if (layout) op.options = readOptions(table, layout);
  if (t.vecLength(S.custom_options, 'custom_options') > 0) op.hasCustomOptions = true;
  if (t.vecLength(S.intermediates, 'intermediates') > 0) op.hasIntermediates = true;
  return op;
}

function readSubgraph(t: Table): TflSubgraph {
  const S = Slot.SubGraph;
  return {
    name: t.string(S.name, 'name') ?? '',
    tensors: t.tables(S.tensors, 'tensors').map(readTensor),
    inputs: t.i32s(S.inputs, 'inputs') ?? [],
    outputs: t.i32s(S.outputs, 'outputs') ?? [],
    operators: t.tables(S.operators, 'operators').map(readOperator),
  };
}

/**
 * Parse .tflite bytes.
 * @param bytes the file contents
 * @param source file name (or other label) used in error messages
 */
export function readTfliteModel(bytes: Uint8Array, source = 'model.tflite'): TflModel {
  const fb = new FlatBuffer(bytes, source);
  if (bytes.byteLength < 16) fb.fail('', `not a TFLite file: only ${bytes.byteLength} bytes`);
  const id = fb.identifier();
  if (id !== TFLITE_FILE_IDENTIFIER) {
    fb.fail('', `not a TFLite file: file identifier is ${JSON.stringify(id)}, expected "${TFLITE_FILE_IDENTIFIER}"`);
  }
  const root = fb.root('model');
  const M = Slot.Model;
  const version = root.u32(M.version, 'version');
  if (version !== TFLITE_SCHEMA_VERSION) fb.fail('model.version', `unsupported TFLite schema version ${version} (edgeq reads version ${TFLITE_SCHEMA_VERSION})`);
  let hasExternalBuffers = false;
  const buffers = root.tables(M.buffers, 'buffers').map((b) => {
    const B = Slot.Buffer;
    if (b.has(B.offset, 'offset') && b.has(B.size, 'size')) hasExternalBuffers = true;
    return b.bytes(B.data, 'data') ?? new Uint8Array(0);
  });
  const OC = Slot.OperatorCode;
  const model: TflModel = {
    version,
    description: root.string(M.description, 'description') ?? '',
    operatorCodes: root.tables(M.operator_codes, 'operator_codes').map((c) => {
      const custom = c.string(OC.custom_code, 'custom_code');
      return {
        // schema_utils GetBuiltinCode: the larger of the deprecated byte and the int32 field.
        builtinCode: Math.max(c.i8(OC.deprecated_builtin_code, 'deprecated_builtin_code'), c.i32(OC.builtin_code, 'builtin_code')),
        version: c.i32(OC.version, 'version', 1),
        ...(custom !== undefined ? { customCode: custom } : {}),
      };
    }),
    subgraphs: root.tables(M.subgraphs, 'subgraphs').map(readSubgraph),
    buffers,
    metadata: root.tables(M.metadata, 'metadata').map((m) => ({
      name: m.string(Slot.Metadata.name, 'name') ?? '',
      buffer: m.u32(Slot.Metadata.buffer, 'buffer'),
    })),
  };
  if (hasExternalBuffers) model.hasExternalBuffers = true;
  return model;
}
