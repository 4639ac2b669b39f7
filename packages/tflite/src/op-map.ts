/**
 * The correspondence between QGraph ops and TFLite builtin operators: builtin code,
 * options table, the version the TFLite converter writes for the int8 form
 * (tensorflow/lite/tools/versioning/op_version.cc) and the versions the importer accepts,
 * plus the enum mappings for padding and fused activations.
 */

import type { FusedActivation, OpType, Padding } from '@edgeq/ir';
import { ActivationCode, BuiltinOperator, BuiltinOptions, PaddingCode } from './schema.js';

export interface OpMapping {
  code: number;
  optionsType: number;
  /** Version written on export (int8 inputs and outputs). */
  exportVersion: number;
  /** Highest version whose semantics the importer maps exactly. */
  maxImportVersion: number;
}

export const OP_MAP: Readonly<Record<OpType, OpMapping>> = {
  CONV_2D: { code: BuiltinOperator.CONV_2D, optionsType: BuiltinOptions.Conv2DOptions, exportVersion: 3, maxImportVersion: 3 },
  DEPTHWISE_CONV_2D: { code: BuiltinOperator.DEPTHWISE_CONV_2D, optionsType: BuiltinOptions.DepthwiseConv2DOptions, exportVersion: 3, maxImportVersion: 3 },
  // v5 adds keep_num_dims (checked to be false), v6 an omitted bias (a zero bias is made).
  FULLY_CONNECTED: { code: BuiltinOperator.FULLY_CONNECTED, optionsType: BuiltinOptions.FullyConnectedOptions, exportVersion: 4, maxImportVersion: 6 },
  ADD: { code: BuiltinOperator.ADD, optionsType: BuiltinOptions.AddOptions, exportVersion: 2, maxImportVersion: 2 },
  AVERAGE_POOL_2D: { code: BuiltinOperator.AVERAGE_POOL_2D, optionsType: BuiltinOptions.Pool2DOptions, exportVersion: 2, maxImportVersion: 2 },
  MAX_POOL_2D: { code: BuiltinOperator.MAX_POOL_2D, optionsType: BuiltinOptions.Pool2DOptions, exportVersion: 2, maxImportVersion: 2 },
  MEAN: { code: BuiltinOperator.MEAN, optionsType: BuiltinOptions.ReducerOptions, exportVersion: 2, maxImportVersion: 2 },
  RESHAPE: { code: BuiltinOperator.RESHAPE, optionsType: BuiltinOptions.ReshapeOptions, exportVersion: 1, maxImportVersion: 1 },
  PAD: { code: BuiltinOperator.PAD, optionsType: BuiltinOptions.PadOptions, exportVersion: 2, maxImportVersion: 2 },
  CONCATENATION: { code: BuiltinOperator.CONCATENATION, optionsType: BuiltinOptions.ConcatenationOptions, exportVersion: 2, maxImportVersion: 2 },
  SOFTMAX: { code: BuiltinOperator.SOFTMAX, optionsType: BuiltinOptions.SoftmaxOptions, exportVersion: 2, maxImportVersion: 2 },
  QUANTIZE: { code: BuiltinOperator.QUANTIZE, optionsType: BuiltinOptions.QuantizeOptions, exportVersion: 1, maxImportVersion: 1 },
  DEQUANTIZE: { code: BuiltinOperator.DEQUANTIZE, optionsType: BuiltinOptions.DequantizeOptions, exportVersion: 2, maxImportVersion: 2 },
};

/** Builtin code → QGraph op type. */
export const OP_BY_CODE: ReadonlyMap<number, OpType> = new Map(
  (Object.entries(OP_MAP) as [OpType, OpMapping][]).map(([t, m]) => [m.code, t]),
);

export const PADDING_TO_CODE: Readonly<Record<Padding, number>> = { SAME: PaddingCode.SAME, VALID: PaddingCode.VALID };
export const ACTIVATION_TO_CODE: Readonly<Record<FusedActivation, number>> = {
  NONE: ActivationCode.NONE,
  RELU: ActivationCode.RELU,
  RELU6: ActivationCode.RELU6,
};

export function paddingFromCode(code: number): Padding | undefined {
  return code === PaddingCode.SAME ? 'SAME' : code === PaddingCode.VALID ? 'VALID' : undefined;
}
export function activationFromCode(code: number): FusedActivation | undefined {
  return (Object.keys(ACTIVATION_TO_CODE) as FusedActivation[]).find((a) => ACTIVATION_TO_CODE[a] === code);
}
export function activationName(code: number): string {
  return Object.entries(ActivationCode).find(([, v]) => v === code)?.[0] ?? `activation ${code}`;
}

/** Name of the model metadata entry holding what TFLite has no field for (op names, scheme). */
export const EDGEQ_METADATA_NAME = 'edgeq.qgraph';
