/**
 * Why the importer refuses an operand's TensorType: the forms later TFLite operator versions
 * add (hybrid float/int8 operators, 16-bit activations, 4-bit activations, ...) compute
 * something edgeq's int8 kernels do not, and the error says which form the file uses rather
 * than only which type it has.
 */

import { TensorType } from './schema.js';

/** The operand being checked. */
export interface OperandContext {
  /** Its role in the operator: `input`, `weights`, `bias`, `output`, `input <n>`. */
  role: string;
  /** The operator has constant weights (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED). */
  weighted: boolean;
}

/**
 * The computation a refused TensorType stands for, or undefined when the type names no
 * such form (the type alone is then the message).
 */
export function typeRefusalReason(type: number, operand: OperandContext): string | undefined {
  switch (type) {
    case TensorType.INT4:
      // Reached only where INT4 is not the weights of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED (those accept it).
      return 'edgeq supports INT4 only as the constant weights (filter) of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED; activations are int8';
    case TensorType.INT16:
      return "16-bit activations (TFLite's int16x8 scheme) are not supported";
    case TensorType.INT64:
      return operand.role === 'bias' ? "a 64-bit bias belongs to TFLite's int16x8 scheme" : undefined;
    case TensorType.UINT8:
      return "uint8 tensors (TFLite's legacy asymmetric scheme) are not supported";
    case TensorType.FLOAT32:
    case TensorType.FLOAT16:
      if (operand.weighted && operand.role === 'input') {
        return "a hybrid operator (float activations with int8 weights, TFLite's dynamic-range quantisation) is not supported; edgeq imports full-integer int8 models";
      }
      return operand.role === 'weights' ? 'float weights: the model is not quantised' : 'edgeq imports full-integer int8 models (float only at QUANTIZE / DEQUANTIZE on the graph boundary)';
    default:
      return undefined;
  }
}
