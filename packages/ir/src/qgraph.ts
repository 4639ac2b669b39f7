/**
 * QGraph types: the quantized graph, the single contract between the training side
 * (qat.freeze, .tflite import) and the device side (interpreter, codegen, harness).
 *
 * A QGraph is a JSON document (this shape) plus one binary blob holding constant
 * tensor data. Ops are listed in topological order; tensors are referenced by index.
 * Layouts follow TFLite so that .tflite interop is a relabelling, not a transpose:
 * activations NHWC, CONV_2D filters OHWI, DEPTHWISE_CONV_2D filters 1HW(C·M),
 * FULLY_CONNECTED weights [out, in].
 */

import type { OpOptionsMap, OpType } from './ops/index.js';

/** Format tag written in every QGraph document. */
export const QGRAPH_FORMAT = 'edgeq.qgraph';
/** Current document version; the loader refuses others. */
export const QGRAPH_VERSION = 1;

/**
 * Element types a QGraph tensor may hold. `int4` is for constant weights only (CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED): values in [-8, 7], packed two per byte in the blob,
 * element 2k in the low nibble (TFLite's order; see int4.ts).
 */
export type DType = 'int8' | 'int4' | 'int32' | 'float32';
/** Element types an activation (a tensor without a buffer) may hold. */
export type ActivationDType = Exclude<DType, 'int4'>;

/**
 * Affine quantisation: real = (q − zeroPoint) · scale.
 * Per-tensor when `scale` has one entry; per-channel along `axis` otherwise.
 */
export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** Channel axis for per-channel parameters (required when scale.length > 1). */
  axis?: number;
}

/** Where a constant tensor's bytes live in the graph blob (little endian). */
export interface BufferRef {
  offset: number;
  byteLength: number;
}

/** One tensor of the graph: an activation (no buffer) or a constant (buffer set). */
export interface TensorDef {
  name: string;
  shape: number[];
  dtype: DType;
  quant?: QuantParams;
  buffer?: BufferRef;
}

/** Fused activation, realised in integer code only as the output clamp range. */
export type FusedActivation = 'NONE' | 'RELU' | 'RELU6';
/** TFLite padding: SAME pads the extra row/column at the bottom/right. */
export type Padding = 'SAME' | 'VALID';

// Op types, their options and versions come from the op registry (ops/index.ts).
export type {
  AddOptions,
  ConcatOptions,
  ConvOptions,
  DepthwiseOptions,
  FullyConnectedOptions,
  MeanOptions,
  OpOptionsMap,
  OpType,
  PadOptions,
  PoolOptions,
  SoftmaxOptions,
} from './ops/index.js';
export { OP_VERSIONS } from './ops/index.js';

/** Options of an op without options (RESHAPE, QUANTIZE, DEQUANTIZE). */
export type EmptyOptions = Record<string, never>;

/** One op: inputs/outputs are tensor indices. */
export interface OpDefOf<T extends OpType> {
  type: T;
  version: number;
  name: string;
  inputs: number[];
  outputs: number[];
  options: OpOptionsMap[T];
}
export type OpDef = { [T in OpType]: OpDefOf<T> }[OpType];

/**
 * How real multipliers become integer arithmetic (docs/quantization-spec.md):
 * - `fixed`: Q31 multiplier + shift, rounding `tflm` (double rounding, TFLite Micro /
 *   CMSIS-NN default) or `single` (TFLite's single-rounding variant); or rounding `fp32`:
 *   XNNPACK's float requantisation f32(acc) · f32(multiplier), round half to even (what
 *   LiteRT/TFLite on CPUs compute, and fast on FPU Cortex-M4F/M7);
 * - `pow2`: every scale is 2^-n, requantisation is one rounding shift.
 */
export type ScaleMode = 'fixed' | 'pow2';
export type RoundingMode = 'tflm' | 'single' | 'fp32';

export interface QuantScheme {
  scales: ScaleMode;
  rounding: RoundingMode;
}

/** The JSON part of a QGraph. */
export interface QGraphDoc {
  format: typeof QGRAPH_FORMAT;
  version: number;
  name: string;
  quantization: QuantScheme;
  tensors: TensorDef[];
  inputs: number[];
  outputs: number[];
  ops: OpDef[];
  /** Blob length in bytes, checked against the binary part on load. */
  blobByteLength: number;
  /** SHA-256 (hex) of the blob: written by saveQGraph, checked and dropped by loadQGraph. */
  blobSha256?: string;
  /** Free-form provenance (training run, source file); never interpreted. */
  metadata?: Record<string, unknown>;
}

/** A loaded QGraph: the document plus its constant blob. */
export interface QGraph extends QGraphDoc {
  blob: Uint8Array;
}
