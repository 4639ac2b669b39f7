/**
 * QGraph → .tflite (int8, schema version 3), a generic driver over the op map (op-map.ts):
 * each op's entry gives its builtin code, version and options table fields. Tensors keep
 * their QGraph indices; the constant operands an entry adds (MEAN axes, RESHAPE shape, PAD
 * paddings) are appended after them. Weights carry per-channel quantisation on the
 * dimension the entry names (conv/FC: 0, depthwise: 3); biases get scale s_in·s_w[c] and
 * zero point 0. What TFLite
 * has no field for (op names, the requantisation scheme, QGraph metadata) goes into a
 * model metadata entry named "edgeq.qgraph" so that import(export(g)) gives g back.
 */

import { DTYPE_BYTES, validateQGraph, type OpDef, type OpType, type QGraph, type TensorDef } from '@edgeq/ir';
import type { TflModel, TflOperator, TflOperatorCode, TflQuantization, TflTensor } from './model.js';
import { OP_MAP } from './op-map.js';
import type { ExportOpContext, TfliteOpMapping } from './op-mapping.js';
import { TensorType, TFLITE_SCHEMA_VERSION } from './schema.js';
import { writeTfliteModel } from './write-model.js';
import { TfliteError } from './errors.js';

const TYPE_CODE = { int8: TensorType.INT8, int32: TensorType.INT32, float32: TensorType.FLOAT32 } as const;

/** The TFLite TensorType of a QGraph tensor; int4 weights have no export yet (the tflite package's INT4 support lands separately). */
function tensorTypeCode(t: TensorDef): number {
  if (t.dtype === 'int4') throw new TfliteError('export', `tensor ${JSON.stringify(t.name)}`, 'int4 weights cannot be exported to .tflite yet');
  return TYPE_CODE[t.dtype];
}

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

/** Bias quantisation as TFLite requires it: scale s_in·s_w[c] (float32), zero point 0, dimension 0. */
function biasQuant(g: QGraph, op: OpDef): TflQuantization {
  const sIn = Math.fround(g.tensors[op.inputs[0]].quant!.scale[0]);
  const sw = g.tensors[op.inputs[mappingOf(op).weights!.input]].quant!.scale.map(Math.fround);
  const scale = sw.map((s) => Math.fround(sIn * s));
  return { scale, zeroPoint: scale.map(() => 0), quantizedDimension: 0 };
}

/**
 * Export a QGraph as an int8 .tflite flatbuffer.
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
    return { name: t.name, shape: [...t.shape], type: tensorTypeCode(t), buffer, ...(quantization ? { quantization } : {}) };
  });
  /** Append an int32 constant operand tensor (axes, shape, paddings). */
  const constInt32 = (name: string, shape: number[], values: number[]): number => {
    buffers.push(int32Bytes(values));
    tensors.push({ name, shape, type: TensorType.INT32, buffer: buffers.length - 1 });
    return tensors.length - 1;
  };

  const codes: TflOperatorCode[] = [];
  const codeIndex = (c: TflOperatorCode): number => {
    let k = codes.findIndex((x) => x.builtinCode === c.builtinCode && x.version === c.version);
    if (k < 0) k = codes.push(c) - 1;
    return k;
  };
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
      opcodeIndex: codeIndex({ builtinCode: mapping.code, version: mapping.exportVersion }),
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
