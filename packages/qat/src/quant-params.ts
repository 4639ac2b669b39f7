/**
 * Quantisation parameters from ranges: how an observed activation range [min, max] or a
 * weight channel's max |w| becomes (scale, zero point), in fixed-point or power-of-two
 * mode. Used identically by fake-quant during training, by PTQ calibration and by
 * freeze, so the trained grid is the exported grid.
 */

import type { ScaleMode } from '@edgeq/ir';

/** int8 activation grid. */
export const ACT_QMIN = -128;
export const ACT_QMAX = 127;
/** Symmetric int8 weight grid (TFLite: −128 is never used). */
export const W_QMAX = 127;

/** Scale of a range that collapsed to a point (dead channel / constant tensor). */
const MIN_RANGE = 1e-6;

/** Affine parameters of one per-tensor activation quantiser. */
export interface ActQuant {
  scale: number;
  zeroPoint: number;
}

/** Round a positive scale up to the next power of two (pow2 mode) or to float32 (fixed). */
export function constrainScale(s: number, mode: ScaleMode): number {
  if (mode === 'pow2') return 2 ** Math.ceil(Math.log2(s));
  return Math.fround(s);
}

/**
 * Activation quantiser for an observed range. The range is first widened to include 0
 * (so real 0 is exactly representable — the "nudge"), then scale = (max − min)/255 and
 * zp = round(−128 − min/scale), clamped to int8. In pow2 mode the scale is rounded up to
 * 2^−n so the whole range still fits. A collapsed or non-finite range yields a tiny but
 * positive, finite scale.
 */
export function activationQuant(min: number, max: number, mode: ScaleMode): ActQuant {
  let lo = Math.min(Number.isFinite(min) ? min : 0, 0);
  let hi = Math.max(Number.isFinite(max) ? max : 0, 0);
  if (hi - lo < MIN_RANGE) hi = lo + MIN_RANGE;
  const scale = constrainScale((hi - lo) / (ACT_QMAX - ACT_QMIN), mode);
  const zp = Math.round(ACT_QMIN - lo / scale);
  return { scale, zeroPoint: Math.min(ACT_QMAX, Math.max(ACT_QMIN, zp)) };
}

/**
 * Per-channel (or, with one entry, per-tensor) symmetric weight scales from max |w|:
 * s = max|w| / 127 (pow2: rounded up to 2^−n). A dead channel (all zero) borrows the
 * largest scale of its layer, so every exported scale is positive and finite.
 */
export function weightScales(maxAbs: ArrayLike<number>, mode: ScaleMode): number[] {
  const live = Array.from(maxAbs).filter((m) => m > 0 && Number.isFinite(m));
  const fallback = live.length ? Math.max(...live) : W_QMAX * 2 ** -7;
  return Array.from(maxAbs, (m) => constrainScale((m > 0 && Number.isFinite(m) ? m : fallback) / W_QMAX, mode));
}

/** Round half away from zero (the converter's rounding of weights and biases). */
export function roundAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Quantise one real value to the activation grid: clamp(round(x/s) + zp). */
export function quantizeAct(x: number, q: ActQuant): number {
  const v = Math.round(x / q.scale) + q.zeroPoint;
  return v < ACT_QMIN ? ACT_QMIN : v > ACT_QMAX ? ACT_QMAX : v;
}
