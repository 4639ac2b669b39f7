/**
 * A .tflite model as plain data: the subset of the TFLite schema edgeq understands, with
 * every index still as written in the file. The reader (read-model.ts) produces it from
 * bytes, the writer (write-model.ts) turns it back into bytes; the QGraph mapping lives in
 * export.ts and import.ts.
 */

/** QuantizationParameters: scale/zero point per tensor or along `quantizedDimension`. */
export interface TflQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
  /** true when the file uses the `details` union (custom quantisation); edgeq refuses it. */
  hasDetails?: boolean;
}

export interface TflTensor {
  name: string;
  shape: number[];
  /** TensorType code (schema.ts). */
  type: number;
  /** Index into Model.buffers; 0 = no data. */
  buffer: number;
  quantization?: TflQuantization;
  isVariable?: boolean;
  hasSparsity?: boolean;
}

/** Builtin options of one operator, field name → value (see OPTIONS_TABLES). */
export type TflOptions = Record<string, number | boolean | number[]>;

export interface TflOperator {
  opcodeIndex: number;
  /** Tensor indices; −1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union position (schema.ts), 0 when absent. */
  optionsType: number;
  options?: TflOptions;
  hasCustomOptions?: boolean;
  hasIntermediates?: boolean;
}

export interface TflOperatorCode {
  builtinCode: number;
  version: number;
  customCode?: string;
}

export interface TflSubgraph {
  name: string;
  tensors: TflTensor[];
  inputs: number[];
  outputs: number[];
  operators: TflOperator[];
}

export interface TflMetadata {
  name: string;
  buffer: number;
}

export interface TflModel {
  version: number;
  description: string;
  operatorCodes: TflOperatorCode[];
  subgraphs: TflSubgraph[];
  /** Buffer contents; buffers[0] is the empty sentinel. */
  buffers: Uint8Array[];
  metadata: TflMetadata[];
  /** true when a buffer keeps its data outside the flatbuffer (offset/size, >2 GB models). */
  hasExternalBuffers?: boolean;
}
