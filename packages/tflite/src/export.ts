/**
 * QGraph → .tflite (int8, schema version 3), a generic driver over the op map (op-map.ts):
 * each op's entry gives its builtin code, version and options table fields. int4 weights
 * become INT4 tensors whose buffer is the QGraph blob's packed bytes as they are (two per
 * byte, element 2k in the low nibble: the layout TFLite's converter writes and its kernels
 * unpack), and their operator gets the version TFLite gives an INT4 filter. Tensors keep
 * their QGraph indices; the constant operands an entry adds (MEAN axes, RESHAPE shape, PAD
 * paddings) are appended after them. Weights carry per-channel quantisation on the
 * dimension the entry names (conv/FC: 0, depthwise: 3); biases get scale s_in·s_w[c] and
 * zero point 0. What TFLite
 * has no field for (op names, the requantisation scheme, QGraph metadata) goes into a
 * model metadata entry named "edgeq.qgraph" so that import(export(g)) gives g back.
 */

import { DTYPE_BYTES, validateQGraph, type DType, type OpDef, type OpType, type QGraph, type TensorDef } from '@edgeq/ir';
import type { TflModel, TflOperator, TflOperatorCode, TflQuantization, TflTensor } from './model.js';
import { OP_MAP } from './op-map.js';
import type { ExportOpContext, TfliteOpMapping } from './op-mapping.js';
import { TensorType, TFLITE_SCHEMA_VERSION } from './schema.js';
import { writeTfliteModel } from './write-model.js';
import { TfliteError } from './errors.js';

/** The TFLite TensorType of each QGraph dtype. */
const TYPE_CODE: Readonly<Record<DType, number>> = {
  int8: TensorType.INT8,
  int4: TensorType.INT4,
  int32: TensorType.INT32,
  float32: TensorType.FLOAT32,
};

/** Name of the model metadata entry holding what TFLite has no field for (op names, scheme). */
export const EDGEQ_METADATA_NAME = 'edgeq.qgraph';

/** What the "edgeq.qgraph" metadata entry holds. */
export interface EdgeqTfliteMetadata {
  format: 'edgeq.qgraph/tflite';
  version: 1;
  name: string;
  quantization: QGraph['quantization'];
  opNames: string[];
  metadata?: Record<string, unknown>;
}

function int32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * DTYPE_BYTES.int32);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt32(i * DTYPE_BYTES.int32, v, true));
  return out;
}

function quantOf(t: TensorDef): TflQuantization | undefined {
  if (!t.quant) return undefined;
  const n = t.quant.scale.length;
  return {
    scale: t.quant.scale.map(Math.fround),
    zeroPoint: t.quant.zeroPoint.length === n ? [...t.quant.zeroPoint] : new Array(n).fill(t.quant.zeroPoint[0]),
    quantizedDimension: n > 1 ? t.quant.axis ?? 0 : 0,
  };
}

/** The op-map entry of an op, typed for the generic driver. */
function mappingOf(op: OpDef): TfliteOpMapping<OpType> {
  return OP_MAP[op.type];
}

/** The version TFLite's op_version.cc gives an operator: its INT4-filter version when its weights are int4. */
function operatorVersion(g: QGraph, op: OpDef): number {
  const mapping = mappingOf(op);
  const weights = mapping.weights;
  return weights && g.tensors[op.inputs[weights.input]].dtype === 'int4' ? weights.int4Version : mapping.exportVersion;
}

/**
 * The operator codes, one per builtin in order of first use, each with the highest version
 * its operators need (as TFLite's converter writes them: a W4/W8 mix of CONV_2D is one
 * CONV_2D code of version 7), and each op's index into them.
 */
function operatorCodes(g: QGraph): { codes: TflOperatorCode[]; indexOf: number[] } {
  const codes: TflOperatorCode[] = [];
  const byBuiltin = new Map<number, number>();
  const indexOf = g.ops.map((op) => {
    const builtinCode = mappingOf(op).code;
    const version = operatorVersion(g, op);
    let k = byBuiltin.get(builtinCode);
    if (k === undefined) {
      k = codes.push({ builtinCode, version }) - 1;
      byBuiltin.set(builtinCode, k);
    }
    codes[k].version = Math.max(codes[k].version, version);
    return k;
  });
  return { codes, indexOf };
}

/** Bias quantisation as TFLite requires it: scale s_in·s_w[c] (float32), zero point 0, dimension 0. */
function biasQuant(g: QGraph, op: OpDef): TflQuantization {
  const sIn = Math.fround(g.tensors[op.inputs[0]].quant!.scale[0]);
  const sw = g.tensors[op.inputs[mappingOf(op).weights!.input]].quant!.scale.map(Math.fround);
  const scale = sw.map((s) => Math.fround(sIn * s));
  return { scale, zeroPoint: scale.map(() => 0), quantizedDimension: 0 };
}

/**
 * Export a QGraph as an int8 .tflite flatbuffer (int4 weights as packed INT4 tensors).
 * @param g a valid QGraph (validated again here)
 * @returns the .tflite file contents
 * @throws TfliteError for a QGraph feature TFLite's int8 kernels lack (an op-map entry refuses it)
 */
export function exportTflite(g: QGraph): Uint8Array {
  validateQGraph(g);
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const biasOf = new Map<number, OpDef>();
  for (const op of g.ops) {
    const bias = mappingOf(op).bias;
    if (bias) biasOf.set(op.inputs[bias.input], op);
  }
  const tensors: TflTensor[] = g.tensors.map((t, i) => {
    let buffer = 0;
    if (t.buffer) {
      buffer = buffers.length;
      buffers.push(g.blob.slice(t.buffer.offset, t.buffer.offset + t.buffer.byteLength));
    }
    const biasOp = biasOf.get(i);
    const quantization = biasOp ? biasQuant(g, biasOp) : quantOf(t);
    return { name: t.name, shape: [...t.shape], type: TYPE_CODE[t.dtype], buffer, ...(quantization ? { quantization } : {}) };
  });
  /** Append an int32 constant operand tensor (axes, shape, paddings). */
  const constInt32 = (name: string, shape: number[], values: number[]): number => {
    buffers.push(int32Bytes(values));
    tensors.push({ name, shape, type: TensorType.INT32, buffer: buffers.length - 1 });
    return tensors.length - 1;
  };

  const { codes, indexOf } = operatorCodes(g);
  const operators: TflOperator[] = g.ops.map((op, k) => {
    const mapping = mappingOf(op);
    const inputs = [...op.inputs];
    const context: ExportOpContext = {
      graph: g,
      where: `ops[${k}] ${JSON.stringify(op.name)} (${op.type})`,
      fail: (where, message) => {
        throw new TfliteError(g.name, where, message);
      },
      addInt32Input: (suffix, shape, values) => inputs.push(constInt32(`${op.name}/${suffix}`, shape, values)),
    };
    const options = mapping.toTflite(op, context);
    return {
      opcodeIndex: indexOf[k],
      inputs,
      outputs: [...op.outputs],
      optionsType: mapping.optionsTable.type,
      options,
    };
  });

  const meta: EdgeqTfliteMetadata = {
    format: 'edgeq.qgraph/tflite',
    version: 1,
    name: g.name,
    quantization: g.quantization,
    opNames: g.ops.map((op) => op.name),
    ...(g.metadata ? { metadata: g.metadata } : {}),
  };
  buffers.push(new TextEncoder().encode(JSON.stringify(meta)));
  const model: TflModel = {
    version: TFLITE_SCHEMA_VERSION,
    description: `edgeq export of ${g.name}`,
    operatorCodes: codes,
    subgraphs: [{ name: g.name, tensors, inputs: [...g.inputs], outputs: [...g.outputs], operators }],
    buffers,
    metadata: [{ name: EDGEQ_METADATA_NAME, buffer: buffers.length - 1 }],
  };
  return writeTfliteModel(model);
}
