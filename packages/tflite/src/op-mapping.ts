/**
 * What one entry of the op map (op-map.ts) is: the TFLite side of a QGraph op, with its
 * option conversion both ways, and the contexts the generic drivers (export.ts, import.ts)
 * hand to an entry. Also the enum conversions (padding, fused activation) entries share.
 */

import type { FusedActivation, OpDefOf, OpOptionsMap, OpType, Padding, QGraph } from '@edgeq/ir';
import type { TflOptions, TflTensor } from './model.js';
import { ActivationCode, PaddingCode, type OptionsTableLayout } from './schema.js';

/** A TensorType an operand must have, and the role naming it in error messages. */
export interface OperandType {
  role: string;
  /** Accepted TensorType codes. */
  types: readonly number[];
}

/** What an entry hands back to the importer for one TFLite operator. */
export interface ImportedOp<T extends OpType> {
  /** TFLite input positions that become the QGraph op's inputs, in order. */
  inputs: number[];
  /** TFLite input positions folded into the options (their tensors are dropped). */
  folded?: number[];
  options: OpOptionsMap[T];
}

/** The importer's view of one TFLite operator, as an entry sees it. */
export interface ImportOpContext {
  /** `operators[k] (NAME)`, the prefix of this operator's error places. */
  readonly where: string;
  /** The options table's fields (schema defaults where the file has none). */
  readonly options: TflOptions;
  /** Number of TFLite inputs (−1 entries included). */
  readonly inputCount: number;
  /** Throw a TfliteError at `where` (a full place, usually starting with ctx.where). */
  fail(where: string, message: string): never;
  /** Throw a TfliteError at `<operator>.builtin_options.<field>`. */
  failOption(field: string, message: string): never;
  /** A fused activation field; one edgeq lacks is refused. */
  activation(field?: string): FusedActivation;
  /** The padding field; an unknown code is refused. */
  padding(): Padding;
  /** The tensor at TFLite input `position`. */
  tensor(position: number): TflTensor;
  /** The operator's (only) output tensor. */
  output(): TflTensor;
  /** True when input `position` exists and is not omitted (−1). */
  hasInput(position: number): boolean;
  /** An INT32 / INT64 constant input (axes, shape, paddings) as numbers. */
  intConstant(position: number): number[];
}

/** The exporter's view of one QGraph op, as an entry sees it. */
export interface ExportOpContext {
  readonly graph: QGraph;
  /** `ops[k] "name" (TYPE)`, the prefix of this op's error places. */
  readonly where: string;
  /** Throw a TfliteError (blaming the graph) at `where`. */
  fail(where: string, message: string): never;
  /** Append an INT32 constant tensor `<op name>/<suffix>` as this operator's next TFLite input. */
  addInt32Input(suffix: string, shape: number[], values: number[]): void;
}

/**
 * The TFLite side of QGraph op T. TFLite input positions 0.. are the QGraph op's inputs in
 * order; inputs TFLite has and QGraph keeps as options follow them.
 */
export interface TfliteOpMapping<T extends OpType> {
  /** BuiltinOperator code. */
  code: number;
  /** The options table: its union position and its fields' layout. */
  optionsTable: OptionsTableLayout;
  /** Version written on export (int8 inputs, weights and outputs; TFLite's op_version.cc). */
  exportVersion: number;
  /**
   * Highest version accepted on import: the highest TFLite's own runtime registers for the
   * operator (tensorflow/lite/core/kernels/register.cc). A file's OperatorCode carries one
   * version for every operator of that builtin (the converter raises it to the highest any
   * of them needs), so a version says what the file may use, not what each operator does:
   * what a later version adds that changes int8 arithmetic (hybrid float inputs, 4- or
   * 16-bit tensors, sparse weights, grouped convolution, ...) is refused where it shows, in
   * the operand types, shapes and options, with the reason.
   */
  maxImportVersion: number;
  /** TFLite inputs accepted on import: [fewest, most]. */
  inputCount: readonly [number, number];
  /**
   * The constant weights input, the dimension TFLite quantises it along per channel, and the
   * version TFLite's op_version.cc gives the operator when those weights are INT4 (int8 input
   * and output, 4-bit filter; written on export instead of `exportVersion`).
   */
  weights?: { input: number; channelAxis: number; int4Version: number };
  /**
   * The int32 bias input (an entry with a bias declares its weights too): scale s_in·s_w[c],
   * zero point 0. TFLite may omit it (−1); the importer then makes a zero bias of
   * `zeroBiasLength` elements.
   */
  bias?: { input: number; zeroBiasLength(weights: TflTensor, output: TflTensor): number };
  /** TensorType of each TFLite input by position (default: every kept input INT8, role `input <position>`). */
  inputTypes?: readonly OperandType[];
  /** TensorType of the output (default INT8). */
  outputType?: number;
  /** QGraph → TFLite: the options table's fields; constant inputs go through ctx.addInt32Input. */
  toTflite(op: OpDefOf<T>, ctx: ExportOpContext): TflOptions;
  /** TFLite → QGraph: read and check the options, choose the inputs kept and folded. */
  fromTflite(ctx: ImportOpContext): ImportedOp<T>;
}

/** One mapping per QGraph op type. */
export type TfliteOpMap = { readonly [T in OpType]: TfliteOpMapping<T> };

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
