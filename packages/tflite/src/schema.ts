/**
 * Facts of the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, file
 * identifier "TFL3", schema version 3), transcribed by hand: enum values (BuiltinOperator
 * and the BuiltinOptions union complete, so a new op needs no edit here), the field slots
 * of the structural tables (a field's slot is its declaration index; a union field takes
 * two slots, its `_type` byte first), and the vocabulary in which an op-map entry declares
 * its own options table's fields.
 */

/** Schema version written to and required in Model.version. */
export const TFLITE_SCHEMA_VERSION = 3;
/** Flatbuffer file identifier of .tflite files. */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** enum TensorType : byte */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  COMPLEX128: 11,
  UINT64: 12,
  RESOURCE: 13,
  VARIANT: 14,
  UINT32: 15,
  UINT16: 16,
  INT4: 17,
  BFLOAT16: 18,
  INT2: 19,
  UINT4: 20,
  FLOAT8_E4M3FN: 21,
  FLOAT8_E5M2: 22,
} as const;

/** Name of a TensorType value, for error messages. */
export function tensorTypeName(t: number): string {
  const e = Object.entries(TensorType).find(([, v]) => v === t);
  return e ? e[0] : `type ${t}`;
}

/** enum BuiltinOperator : int32, every code of the schema. */
export const BuiltinOperator = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEPTH_TO_SPACE: 5,
  DEQUANTIZE: 6, EMBEDDING_LOOKUP: 7, FLOOR: 8, FULLY_CONNECTED: 9, HASHTABLE_LOOKUP: 10,
  L2_NORMALIZATION: 11, L2_POOL_2D: 12, LOCAL_RESPONSE_NORMALIZATION: 13, LOGISTIC: 14,
  LSH_PROJECTION: 15, LSTM: 16, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU_N1_TO_1: 20, RELU6: 21,
  RESHAPE: 22, RESIZE_BILINEAR: 23, RNN: 24, SOFTMAX: 25, SPACE_TO_DEPTH: 26, SVDF: 27, TANH: 28,
  CONCAT_EMBEDDINGS: 29, SKIP_GRAM: 30, CALL: 31, CUSTOM: 32, EMBEDDING_LOOKUP_SPARSE: 33, PAD: 34,
  UNIDIRECTIONAL_SEQUENCE_RNN: 35, GATHER: 36, BATCH_TO_SPACE_ND: 37, SPACE_TO_BATCH_ND: 38,
  TRANSPOSE: 39, MEAN: 40, SUB: 41, DIV: 42, SQUEEZE: 43, UNIDIRECTIONAL_SEQUENCE_LSTM: 44,
  STRIDED_SLICE: 45, BIDIRECTIONAL_SEQUENCE_RNN: 46, EXP: 47, TOPK_V2: 48, SPLIT: 49, LOG_SOFTMAX: 50,
  DELEGATE: 51, BIDIRECTIONAL_SEQUENCE_LSTM: 52, CAST: 53, PRELU: 54, MAXIMUM: 55, ARG_MAX: 56,
  MINIMUM: 57, LESS: 58, NEG: 59, PADV2: 60, GREATER: 61, GREATER_EQUAL: 62, LESS_EQUAL: 63,
  SELECT: 64, SLICE: 65, SIN: 66, TRANSPOSE_CONV: 67, SPARSE_TO_DENSE: 68, TILE: 69, EXPAND_DIMS: 70,
  EQUAL: 71, NOT_EQUAL: 72, LOG: 73, SUM: 74, SQRT: 75, RSQRT: 76, SHAPE: 77, POW: 78, ARG_MIN: 79,
  FAKE_QUANT: 80, REDUCE_PROD: 81, REDUCE_MAX: 82, PACK: 83, LOGICAL_OR: 84, ONE_HOT: 85,
  LOGICAL_AND: 86, LOGICAL_NOT: 87, UNPACK: 88, REDUCE_MIN: 89, FLOOR_DIV: 90, REDUCE_ANY: 91,
  SQUARE: 92, ZEROS_LIKE: 93, FILL: 94, FLOOR_MOD: 95, RANGE: 96, RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98, SQUARED_DIFFERENCE: 99, MIRROR_PAD: 100, ABS: 101, SPLIT_V: 102, UNIQUE: 103,
  CEIL: 104, REVERSE_V2: 105, ADD_N: 106, GATHER_ND: 107, COS: 108, WHERE: 109, RANK: 110, ELU: 111,
  REVERSE_SEQUENCE: 112, MATRIX_DIAG: 113, QUANTIZE: 114, MATRIX_SET_DIAG: 115, ROUND: 116,
  HARD_SWISH: 117, IF: 118, WHILE: 119, NON_MAX_SUPPRESSION_V4: 120, NON_MAX_SUPPRESSION_V5: 121,
  SCATTER_ND: 122, SELECT_V2: 123, DENSIFY: 124, SEGMENT_SUM: 125, BATCH_MATMUL: 126,
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127, CUMSUM: 128, CALL_ONCE: 129, BROADCAST_TO: 130, RFFT2D: 131,
  CONV_3D: 132, IMAG: 133, REAL: 134, COMPLEX_ABS: 135, HASHTABLE: 136, HASHTABLE_FIND: 137,
  HASHTABLE_IMPORT: 138, HASHTABLE_SIZE: 139, REDUCE_ALL: 140, CONV_3D_TRANSPOSE: 141,
  VAR_HANDLE: 142, READ_VARIABLE: 143, ASSIGN_VARIABLE: 144, BROADCAST_ARGS: 145,
  RANDOM_STANDARD_NORMAL: 146, BUCKETIZE: 147, RANDOM_UNIFORM: 148, MULTINOMIAL: 149, GELU: 150,
  DYNAMIC_UPDATE_SLICE: 151, RELU_0_TO_1: 152, UNSORTED_SEGMENT_PROD: 153, UNSORTED_SEGMENT_MAX: 154,
  UNSORTED_SEGMENT_SUM: 155, ATAN2: 156, UNSORTED_SEGMENT_MIN: 157, SIGN: 158, BITCAST: 159,
  BITWISE_XOR: 160, RIGHT_SHIFT: 161, STABLEHLO_LOGISTIC: 162, STABLEHLO_ADD: 163,
  STABLEHLO_DIVIDE: 164, STABLEHLO_MULTIPLY: 165, STABLEHLO_MAXIMUM: 166, STABLEHLO_RESHAPE: 167,
  STABLEHLO_CLAMP: 168, STABLEHLO_CONCATENATE: 169, STABLEHLO_BROADCAST_IN_DIM: 170,
  STABLEHLO_CONVOLUTION: 171, STABLEHLO_SLICE: 172, STABLEHLO_CUSTOM_CALL: 173, STABLEHLO_REDUCE: 174,
  STABLEHLO_ABS: 175, STABLEHLO_AND: 176, STABLEHLO_COSINE: 177, STABLEHLO_EXPONENTIAL: 178,
  STABLEHLO_FLOOR: 179, STABLEHLO_LOG: 180, STABLEHLO_MINIMUM: 181, STABLEHLO_NEGATE: 182,
  STABLEHLO_OR: 183, STABLEHLO_POWER: 184, STABLEHLO_REMAINDER: 185, STABLEHLO_RSQRT: 186,
  STABLEHLO_SELECT: 187, STABLEHLO_SUBTRACT: 188, STABLEHLO_TANH: 189, STABLEHLO_SCATTER: 190,
  STABLEHLO_COMPARE: 191, STABLEHLO_CONVERT: 192, STABLEHLO_DYNAMIC_SLICE: 193,
  STABLEHLO_DYNAMIC_UPDATE_SLICE: 194, STABLEHLO_PAD: 195, STABLEHLO_IOTA: 196,
  STABLEHLO_DOT_GENERAL: 197, STABLEHLO_REDUCE_WINDOW: 198, STABLEHLO_SORT: 199, STABLEHLO_WHILE: 200,
  STABLEHLO_GATHER: 201, STABLEHLO_TRANSPOSE: 202, DILATE: 203, STABLEHLO_RNG_BIT_GENERATOR: 204,
  REDUCE_WINDOW: 205, STABLEHLO_COMPOSITE: 206, STABLEHLO_SHIFT_LEFT: 207, STABLEHLO_CBRT: 208,
  STABLEHLO_CASE: 209, TEMP_STREAMING_CONV_2D: 225,
} as const;

/**
 * Name of a builtin operator code, for error messages: its schema name (LSTM, not 16); a
 * code newer than this transcription is said to be one.
 */
export function builtinOperatorName(code: number): string {
  const e = Object.entries(BuiltinOperator).find(([, v]) => v === code);
  return e ? e[0] : `builtin operator ${code} (not in the TFLite schema edgeq knows)`;
}

/** union BuiltinOptions: every member of the schema, in declaration order. */
const BUILTIN_OPTIONS_MEMBERS = [
  'Conv2DOptions', 'DepthwiseConv2DOptions', 'ConcatEmbeddingsOptions', 'LSHProjectionOptions',
  'Pool2DOptions', 'SVDFOptions', 'RNNOptions', 'FullyConnectedOptions', 'SoftmaxOptions',
  'ConcatenationOptions', 'AddOptions', 'L2NormOptions', 'LocalResponseNormalizationOptions',
  'LSTMOptions', 'ResizeBilinearOptions', 'CallOptions', 'ReshapeOptions', 'SkipGramOptions',
  'SpaceToDepthOptions', 'EmbeddingLookupSparseOptions', 'MulOptions', 'PadOptions', 'GatherOptions',
  'BatchToSpaceNDOptions', 'SpaceToBatchNDOptions', 'TransposeOptions', 'ReducerOptions', 'SubOptions',
  'DivOptions', 'SqueezeOptions', 'SequenceRNNOptions', 'StridedSliceOptions', 'ExpOptions',
  'TopKV2Options', 'SplitOptions', 'LogSoftmaxOptions', 'CastOptions', 'DequantizeOptions',
  'MaximumMinimumOptions', 'ArgMaxOptions', 'LessOptions', 'NegOptions', 'PadV2Options', 'GreaterOptions',
  'GreaterEqualOptions', 'LessEqualOptions', 'SelectOptions', 'SliceOptions', 'TransposeConvOptions',
  'SparseToDenseOptions', 'TileOptions', 'ExpandDimsOptions', 'EqualOptions', 'NotEqualOptions',
  'ShapeOptions', 'PowOptions', 'ArgMinOptions', 'FakeQuantOptions', 'PackOptions', 'LogicalOrOptions',
  'OneHotOptions', 'LogicalAndOptions', 'LogicalNotOptions', 'UnpackOptions', 'FloorDivOptions',
  'SquareOptions', 'ZerosLikeOptions', 'FillOptions', 'BidirectionalSequenceLSTMOptions',
  'BidirectionalSequenceRNNOptions', 'UnidirectionalSequenceLSTMOptions', 'FloorModOptions',
  'RangeOptions', 'ResizeNearestNeighborOptions', 'LeakyReluOptions', 'SquaredDifferenceOptions',
  'MirrorPadOptions', 'AbsOptions', 'SplitVOptions', 'UniqueOptions', 'ReverseV2Options', 'AddNOptions',
  'GatherNdOptions', 'CosOptions', 'WhereOptions', 'RankOptions', 'ReverseSequenceOptions',
  'MatrixDiagOptions', 'QuantizeOptions', 'MatrixSetDiagOptions', 'HardSwishOptions', 'IfOptions',
  'WhileOptions', 'DepthToSpaceOptions', 'NonMaxSuppressionV4Options', 'NonMaxSuppressionV5Options',
  'ScatterNdOptions', 'SelectV2Options', 'DensifyOptions', 'SegmentSumOptions', 'BatchMatMulOptions',
  'CumsumOptions', 'CallOnceOptions', 'BroadcastToOptions', 'Rfft2dOptions', 'Conv3DOptions',
  'HashtableOptions', 'HashtableFindOptions', 'HashtableImportOptions', 'HashtableSizeOptions',
  'VarHandleOptions', 'ReadVariableOptions', 'AssignVariableOptions', 'RandomOptions', 'BucketizeOptions',
  'GeluOptions', 'DynamicUpdateSliceOptions', 'UnsortedSegmentProdOptions', 'UnsortedSegmentMaxOptions',
  'UnsortedSegmentMinOptions', 'UnsortedSegmentSumOptions', 'ATan2Options', 'SignOptions',
  'BitcastOptions', 'BitwiseXorOptions', 'RightShiftOptions',
] as const;

/** Each options table's BuiltinOptions union position (its declaration index + 1; 0 = NONE). */
export const BuiltinOptions = Object.fromEntries([
  ['NONE', 0],
  ...BUILTIN_OPTIONS_MEMBERS.map((member, index) => [member, index + 1]),
]) as Readonly<Record<'NONE' | (typeof BUILTIN_OPTIONS_MEMBERS)[number], number>>;

/** The name of a BuiltinOptions union member, for error messages. */
export function builtinOptionsName(type: number): string {
  const e = Object.entries(BuiltinOptions).find(([, v]) => v === type);
  return e ? e[0] : `options type ${type}`;
}

/** enum Padding : byte */
export const PaddingCode = { SAME: 0, VALID: 1 } as const;

/** enum ActivationFunctionType : byte */
export const ActivationCode = {
  NONE: 0,
  RELU: 1,
  RELU_N1_TO_1: 2,
  RELU6: 3,
  TANH: 4,
  SIGN_BIT: 5,
} as const;

/** Field slots of each table (declaration order in schema.fbs). */
export const Slot = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Buffer: { data: 0, offset: 1, size: 2 },
  Metadata: { name: 0, buffer: 1 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, has_rank: 8 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6 },
  Operator: {
    opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, custom_options: 5,
    custom_options_format: 6, mutating_variable_inputs: 7, intermediates: 8,
  },
} as const;

/** How one field of a builtin options table is stored. */
export type FieldKind = 'i8' | 'u8' | 'bool' | 'i32' | 'f32' | 'i32s';

/** A field of an options table: its slot (declaration index), storage kind and schema default. */
export interface FieldSpec {
  slot: number;
  kind: FieldKind;
  default: number | boolean;
}

/** One builtin options table: its BuiltinOptions union position and the fields edgeq reads and writes. */
export interface OptionsTableLayout {
  type: number;
  fields: Readonly<Record<string, FieldSpec>>;
}

/** A field spec; the default is the schema's (0 or false unless the schema says otherwise). */
export function field(slot: number, kind: FieldKind, schemaDefault: number | boolean = kind === 'bool' ? false : 0): FieldSpec {
  return { slot, kind, default: schemaDefault };
}

/** An options table layout, named by its BuiltinOptions union member. */
export function optionsTable(member: keyof typeof BuiltinOptions, fields: Record<string, FieldSpec> = {}): OptionsTableLayout {
  return { type: BuiltinOptions[member], fields };
}
