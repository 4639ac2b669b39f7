/**
 * QGraph → .tflite (int8, schema version 3). Tensors keep their QGraph indices; the
 * constant operands TFLite wants as tensors (MEAN axes, RESHAPE shape, PAD paddings) are
 * appended after them. Weights carry per-channel quantisation on TFLite's dimension
 * (conv/FC: 0, depthwise: 3); biases get scale s_in·s_w[c] and zero point 0. What TFLite
 * has no field for (op names, the requantisation scheme, QGraph metadata) goes into a
 * model metadata entry named "edgeq.qgraph" so that import(export(g)) gives g back.
 */

import { validateQGraph, type OpDef, type QGraph, type TensorDef } from '@edgeq/ir';
import type { TflModel, TflOperator, TflOperatorCode, TflOptions, TflQuantization, TflTensor } from './model.js';
import { ACTIVATION_TO_CODE, EDGEQ_METADATA_NAME, OP_MAP, PADDING_TO_CODE } from './op-map.js';
import { TensorType, TFLITE_SCHEMA_VERSION } from './schema.js';
import { writeTfliteModel } from './write-model.js';
import { TfliteError } from './errors.js';

const TYPE_CODE = { int8: TensorType.INT8, int32: TensorType.INT32, float32: TensorType.FLOAT32 } as const;

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
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
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

/** Bias quantisation as TFLite requires it: scale s_in·s_w[c] (float32), zero point 0, dimension 0. */
function biasQuant(g: QGraph, op: OpDef): TflQuantization {
  const sIn = Math.fround(g.tensors[op.inputs[0]].quant!.scale[0]);
  const sw = g.tensors[op.inputs[1]].quant!.scale.map(Math.fround);
  const scale = sw.map((s) => Math.fround(sIn * s));
  return { scale, zeroPoint: scale.map(() => 0), quantizedDimension: 0 };
}

function opOptions(op: OpDef): TflOptions {
  switch (op.type) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      const o = op.options;
      const common: TflOptions = {
        padding: PADDING_TO_CODE[o.padding],
        stride_w: o.strideW,
        stride_h: o.strideH,
        fused_activation_function: ACTIVATION_TO_CODE[o.activation],
        dilation_w_factor: o.dilationW,
        dilation_h_factor: o.dilationH,
      };
      return op.type === 'DEPTHWISE_CONV_2D' ? { ...common, depth_multiplier: op.options.depthMultiplier } : common;
    }
    case 'FULLY_CONNECTED':
      return { fused_activation_function: ACTIVATION_TO_CODE[op.options.activation], weights_format: 0, keep_num_dims: false };
    case 'ADD':
      return { fused_activation_function: ACTIVATION_TO_CODE[op.options.activation] };
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const o = op.options;
      return {
        padding: PADDING_TO_CODE[o.padding],
        stride_w: o.strideW,
        stride_h: o.strideH,
        filter_width: o.filterW,
        filter_height: o.filterH,
        fused_activation_function: ACTIVATION_TO_CODE[o.activation],
      };
    }
    case 'MEAN':
      return { keep_dims: op.options.keepDims };
    case 'CONCATENATION':
      return { axis: op.options.axis, fused_activation_function: ACTIVATION_TO_CODE[op.options.activation] };
    case 'SOFTMAX':
      return { beta: op.options.beta };
    case 'RESHAPE':
    case 'PAD':
    case 'QUANTIZE':
    case 'DEQUANTIZE':
      return {};
  }
}

/**
 * Refuse QGraph features that TFLite's int8 kernels do not implement, rather than write a
 * file TFLite would reject or compute differently: TFLite's CONCATENATION neither
 * requantises its inputs (XNNPACK and the int8 spec need one shared scale/zero point) nor
 * applies a fused activation (LiteRT ignores it).
 */
function checkExpressible(g: QGraph, op: OpDef, k: number): void {
  if (op.type !== 'CONCATENATION') return;
  const where = `ops[${k}] ${JSON.stringify(op.name)} (CONCATENATION)`;
  if (op.options.activation !== 'NONE') {
    throw new TfliteError(g.name, where, `fused activation ${op.options.activation} has no TFLite int8 equivalent (TFLite ignores it on CONCATENATION)`);
  }
  const out = g.tensors[op.outputs[0]].quant!;
  op.inputs.forEach((t, i) => {
    const qi = g.tensors[t].quant!;
    if (Math.fround(qi.scale[0]) !== Math.fround(out.scale[0]) || qi.zeroPoint[0] !== out.zeroPoint[0]) {
      throw new TfliteError(g.name, `${where} inputs[${i}] ${JSON.stringify(g.tensors[t].name)}`,
        `scale/zero point ${qi.scale[0]}/${qi.zeroPoint[0]} differ from the output's ${out.scale[0]}/${out.zeroPoint[0]}: TFLite's int8 CONCATENATION does not requantise`);
    }
  });
}

/**
 * Export a QGraph as an int8 .tflite flatbuffer.
 * @param g a valid QGraph (validated again here)
 * @returns the .tflite file contents
 * @throws TfliteError for a QGraph feature TFLite's int8 kernels lack (see checkExpressible)
 */
export function exportTflite(g: QGraph): Uint8Array {
  validateQGraph(g);
  g.ops.forEach((op, k) => checkExpressible(g, op, k));
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const biasOf = new Map<number, OpDef>();
  for (const op of g.ops) {
    if (op.type === 'CONV_2D' || op.type === 'DEPTHWISE_CONV_2D' || op.type === 'FULLY_CONNECTED') biasOf.set(op.inputs[2], op);
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

  const codes: TflOperatorCode[] = [];
  const codeIndex = (c: TflOperatorCode): number => {
    let k = codes.findIndex((x) => x.builtinCode === c.builtinCode && x.version === c.version);
    if (k < 0) k = codes.push(c) - 1;
    return k;
  };
  const operators: TflOperator[] = g.ops.map((op) => {
    const m = OP_MAP[op.type];
    const inputs = [...op.inputs];
    const out = g.tensors[op.outputs[0]];
    const options = opOptions(op);
    if (op.type === 'MEAN') inputs.push(constInt32(`${op.name}/axes`, [op.options.axes.length], op.options.axes));
    if (op.type === 'RESHAPE') {
      inputs.push(constInt32(`${op.name}/shape`, [out.shape.length], out.shape));
      options.new_shape = [...out.shape];
    }
    if (op.type === 'PAD') inputs.push(constInt32(`${op.name}/paddings`, [4, 2], op.options.paddings.flat()));
    return {
      opcodeIndex: codeIndex({ builtinCode: m.code, version: m.exportVersion }),
      inputs,
      outputs: [...op.outputs],
      optionsType: m.optionsType,
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
