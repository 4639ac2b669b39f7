/**
 * Test helper: the options under which the .tflite tests draw @edgeq/ir's random graphs.
 * CONCATENATION always shares its inputs' scale and zero point (TFLite's int8 kernel does
 * not requantise); the oracle tests feed int8 inputs, so they leave out the float boundary.
 */

import { ALL_RANDOM_OPS, type OpType, type QuantScheme, type RandomGraphOptions } from '@edgeq/ir';

/** Every op kind, QUANTIZE / DEQUANTIZE boundaries included (round trips, fuzzing). */
export const TFLITE_GRAPHS: RandomGraphOptions = { sharedConcatQuant: true };

/** Every op kind with int8 graph inputs and outputs (LiteRT.js comparisons). */
export const ORACLE_GRAPHS: RandomGraphOptions = { sharedConcatQuant: true, ops: ALL_RANDOM_OPS.filter((k) => k !== 'boundary') };

const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };

/** The op set of issue 4's fp32 parity criterion, as QGraph op types. */
export const FP32_OPS: OpType[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MEAN', 'RESHAPE', 'PAD'];

/** Random graphs of FP32_OPS in fp32 mode. */
export const FP32_GRAPHS: RandomGraphOptions = { scheme: FP32, ops: ['conv', 'dw', 'fc', 'add', 'avgpool', 'mean', 'reshape', 'pad'] };
