/**
 * Small readers shared by the op modules' parameter derivations: a tensor's float32
 * scale and zero point, the scale ratio rule of fp32 mode, and how an op is named in
 * derivation errors.
 */

import type { QGraph, TensorDef } from '../qgraph.js';
import type { BoundaryParams } from '../op-params.js';

export const f32 = Math.fround;

/** A tensor's scale (channel `c` when per-channel), rounded to float32 as stored. */
export function scaleOf(t: TensorDef, c = 0): number {
  return f32(t.quant!.scale[t.quant!.scale.length === 1 ? 0 : c]);
}

/** A per-tensor zero point. */
export function zpOf(t: TensorDef): number {
  return t.quant!.zeroPoint[0];
}

/** How derivation errors name an op: `ops[3] "conv1"`. */
export function opWhere(g: QGraph, op: { name: string }): string {
  return `ops[${g.ops.indexOf(op as QGraph['ops'][number])}] ${JSON.stringify(op.name)}`;
}

/** A ratio of two float32 scales: rounded to float32 in fp32 mode (float division), exact otherwise. */
export function scaleRatio(g: QGraph, ratio: number): number {
  return g.quantization.rounding === 'fp32' ? f32(ratio) : ratio;
}

/** QUANTIZE / DEQUANTIZE parameters: the int8 side's scale and zero point. */
export function boundaryParams(int8Side: TensorDef): BoundaryParams {
  return { kind: 'boundary', scale: scaleOf(int8Side), zeroPoint: zpOf(int8Side) };
}
