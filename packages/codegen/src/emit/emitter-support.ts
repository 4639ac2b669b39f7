/**
 * What every op emitter (emit/<op>.ts) shares: the emission context, the emitted-op record
 * generate.ts renders, the `OpEmitter` interface the registry (emit/index.ts) holds, and
 * `OpConstants`, which collects one op's const declarations (arrays, requantisation
 * arrays, parameter structs) and counts their bytes on the firmware ABI.
 */

import { constantData, packInt4, type OpDefOf, type OpParams, type OpType, type QGraph, type QuantScheme, type Requant, type SoftmaxInputScaling } from '@edgeq/ir';
import { intArrayBody, type IdentifierTable } from '../c-syntax.js';
import type { FastPlan } from '../fast-kernels.js';
import type { FcAddChoice } from '../fast-planner.js';
import type { CompactRequant } from '../compact-requant.js';
import {
  C_SCALAR_BYTES,
  constPointerField,
  firmwareSizeof,
  int32Fields,
  scalarField,
  structField,
  structArrayConstant,
  structConstant,
  type CEnumDescription,
  type CField,
  type CScalarType,
  type CStructDescription,
  type CStructValues,
} from './c-struct.js';

/** C for one op: declarations at file scope, statements inside invoke(). */
export interface EmittedOp {
  index: number;
  /** Identifier-safe op name (also used in profiles). */
  label: string;
  type: string;
  comment: string;
  declarations: string[];
  call: string;
  /** Output tensor arena offset and bytes (for tracing). */
  outOffset: number;
  outBytes: number;
  /** Bytes of const data this op adds to flash (parameter structs at their Cortex-M sizeof). */
  constBytes: number;
  /**
   * CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED: the bytes of its weight array (part of
   * constBytes) and the model's weight width (4: int4, packed two per byte).
   */
  weights?: { bytes: number; bits: 4 | 8 };
  /** The flash line of the op's comment in the generated C, e.g. "constants 1,234 B (weights 600 B, int4)". */
  flashNote: string;
}

export interface EmitContext {
  graph: QGraph;
  ids: IdentifierTable;
  offsets: Map<number, number>;
  /** The edgeq_rq_mode constant of the graph, e.g. EDGEQ_RQ_TFLM. */
  modeEnum: string;
  /** Ops that run on a specialised kernel (by op index). */
  fast?: ReadonlyMap<number, FastPlan>;
  /** FULLY_CONNECTED / ADD ops: the specialised kernel when planned, and why (by op index). */
  fcAdd?: ReadonlyMap<number, FcAddChoice>;
  /**
   * --optimize size: ops whose requantisation rows are stored compactly and expanded into
   * their scratch (after the kernel's own scratch) before the kernel runs (by op index).
   */
  compactRequant?: ReadonlyMap<number, CompactRequant>;
  /** --optimize size: SOFTMAX ops that compute their exponentials into scratch, with their input scaling (by op index). */
  computedSoftmax?: ReadonlyMap<number, SoftmaxInputScaling>;
  /** Arena offset of each op's scratch buffer (by op index). */
  scratchOffsets?: ReadonlyMap<number, number>;
}

/** The C expression of a tensor's place in the arena. */
export const arenaRef = (ctx: EmitContext, tensor: number): string => `EDGEQ_ARENA(${ctx.offsets.get(tensor)})`;
/** The C expression of an op's scratch buffer in the arena. */
export const scratchBufferRef = (ctx: EmitContext, opIndex: number): string => `EDGEQ_ARENA(${ctx.scratchOffsets!.get(opIndex)})`;

/** Collects the const declarations of one op and the flash bytes they take. */
export class OpConstants {
  readonly declarations: string[] = [];
  constBytes = 0;
  /** Bytes of the arrays declared with the role 'weights'. */
  weightBytes = 0;
  constructor(
    readonly ctx: EmitContext,
    readonly opName: string,
  ) {}

  /** A unique identifier `<prefix><role>_<op name>`. */
  identifier(role: string): string {
    return this.ctx.ids.make(`${role}_${this.opName}`);
  }

  /** A const array of `scalar`, aligned to `align` bytes. */
  array(scalar: CScalarType, role: string, values: ArrayLike<number>, align = 4): string {
    const id = this.identifier(role);
    const suffix = scalar === 'uint32_t' ? 'u' : '';
    this.declarations.push(`static const ${scalar} ${id}[${values.length}] EDGEQ_ALIGN(${align}) EDGEQ_CONST_PLACEMENT = {\n${intArrayBody(values, 16, suffix)}\n};`);
    this.constBytes += values.length * C_SCALAR_BYTES[scalar];
    if (role === 'weights') this.weightBytes += values.length * C_SCALAR_BYTES[scalar];
    return id;
  }

  /** The multiplier and shift arrays of a requantisation, as the values of an edgeq_requant. */
  requant(rq: Requant, role = 'rq'): CStructValues {
    return {
      multiplier: this.array('int32_t', `${role}_mult`, rq.multiplier),
      shift: this.array('int32_t', `${role}_shift`, rq.shift),
      per_channel: rq.multiplier.length > 1 ? 1 : 0,
    };
  }

  /** A const parameter struct `params_<op name>`. */
  struct(desc: CStructDescription, values: CStructValues): string {
    const id = this.identifier('params');
    this.declarations.push(structConstant(desc, id, values));
    this.constBytes += firmwareSizeof(desc);
    return id;
  }

  /** A const array of structs, one per row. */
  structArray(desc: CStructDescription, role: string, rows: readonly CStructValues[]): string {
    const id = this.identifier(role);
    this.declarations.push(structArrayConstant(desc, id, rows));
    this.constBytes += rows.length * firmwareSizeof(desc);
    return id;
  }
}

/**
 * A reference kernel's weight array as the model stores it: int8, or int4 packed two per byte
 * in TFLite's nibble order (uint8_t, half the flash; the kernel is then the _s4 one).
 */
export function weightsArray(constants: OpConstants, g: QGraph, tensor: number): { name: string; int4: boolean } {
  const values = constantData(g, tensor);
  if (g.tensors[tensor].dtype === 'int4') {
    return { name: constants.array('uint8_t', 'weights', packInt4(values, `${g.tensors[tensor].name}: weights`)), int4: true };
  }
  return { name: constants.array('int8_t', 'weights', values), int4: false };
}

/** What an emitter gets for one op. */
export interface OpEmitArgs<T extends OpType> {
  ctx: EmitContext;
  op: OpDefOf<T>;
  /** The op's index in the graph (its scratch buffer's key). */
  opIndex: number;
  /** The op's integer parameters (deriveOpParams), the same the interpreter uses. */
  params: OpParams;
  constants: OpConstants;
  /** Arena expressions of the first input and the output. */
  input: string;
  output: string;
}

/** The code generator of one op type: its kernel call and the C structs it passes. */
export interface OpEmitter<T extends OpType = OpType> {
  /** Every parameter struct the emitted C declares for this op (for the sizeof check). */
  readonly structs: readonly CStructDescription[];
  /** Adds the op's const declarations to `args.constants` and returns its kernel call. */
  emit(args: OpEmitArgs<T>): string;
}

/**
 * The emitter of one of several op types that share a parameter struct and an emission
 * function, and differ only in the kernel they call (conv / depthwise, average / max pool).
 */
export function kernelVariantEmitter<T extends OpType>(
  structs: readonly CStructDescription[],
  kernel: string,
  emitWith: (kernel: string, args: OpEmitArgs<T>) => string,
): OpEmitter<T> {
  return { structs, emit: (args) => emitWith(kernel, args) };
}

/** `edgeq_rq_mode`: how an int32 accumulator becomes int8. */
export const RQ_MODE_ENUM: CEnumDescription = {
  typeName: 'edgeq_rq_mode',
  values: { EDGEQ_RQ_TFLM: 0, EDGEQ_RQ_SINGLE: 1, EDGEQ_RQ_POW2: 2, EDGEQ_RQ_FP32: 3 },
};

/** The `edgeq_rq_mode` enumerator of a graph's scheme (pow2 scales: one rounding shift). */
export function rqModeEnumerator(scheme: QuantScheme): string {
  if (scheme.scales === 'pow2') return 'EDGEQ_RQ_POW2';
  return { tflm: 'EDGEQ_RQ_TFLM', single: 'EDGEQ_RQ_SINGLE', fp32: 'EDGEQ_RQ_FP32' }[scheme.rounding];
}

/** `edgeq_hwc`: height, width, channels of an NHWC tensor. */
export const HWC_STRUCT: CStructDescription = { typeName: 'edgeq_hwc', fields: int32Fields('h', 'w', 'c') };
/** `edgeq_requant`: per-channel or per-tensor multiplier and shift arrays. */
export const REQUANT_STRUCT: CStructDescription = {
  typeName: 'edgeq_requant',
  fields: [constPointerField('multiplier', 'int32_t'), constPointerField('shift', 'int32_t'), scalarField('per_channel', 'int32_t')],
};

/** `edgeq_hwc in, out;`: the leading fields of the structs of ops that map one NHWC tensor to another. */
export const IN_OUT_SHAPE_FIELDS: readonly CField[] = [structField('in', HWC_STRUCT), structField('out', HWC_STRUCT)];

/** The edgeq_hwc values of an NHWC shape. */
export const heightWidthChannels = (shape: readonly number[]): CStructValues => ({ h: shape[1], w: shape[2], c: shape[3] });

/** The `in` and `out` values of IN_OUT_SHAPE_FIELDS: an op's input 0 and output shapes. */
export function inOutShapeValues(ctx: EmitContext, op: { inputs: number[]; outputs: number[] }): { in: CStructValues; out: CStructValues } {
  return { in: heightWidthChannels(ctx.graph.tensors[op.inputs[0]].shape), out: heightWidthChannels(ctx.graph.tensors[op.outputs[0]].shape) };
}
