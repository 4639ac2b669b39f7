/** The op set of issue 4's fp32 parity criterion. */
import type { RandomOp } from './random-graphs.js';

export const FP32_OPS: RandomOp[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MEAN', 'RESHAPE', 'PAD'];
