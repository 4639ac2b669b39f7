/**
 * Quantisation parameters from ranges: how an observed activation range [min, max] or a
 * weight channel's max |w| becomes (scale, zero point), in fixed-point or power-of-two
 * mode. Used identically by fake-quant during training, by PTQ calibration and by
 * freeze, so the trained grid is the exported grid.
 */

import { channelWeightScale, type ScaleMode, type WeightClipping } from '@edgeq/ir';
import type { WeightBits } from './weight-bits.js';

/** int8 activation grid. */
export const ACT_QMIN = -128;
export const ACT_QMAX = 127;
/** Symmetric int8 weight grid (TFLite: −128 is never used). */
export const W_QMAX = 127;
/** Symmetric int4 weight grid [−7, 7] (−8 is never used, as −128 at 8 bits). */
export const W4_QMAX = 7;

/** Largest weight level of a layer with `bits`-bit weights. */
export function weightQmax(bits: WeightBits): number {
  return bits === 4 ? W4_QMAX : W_QMAX;
}

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

/**
 * Weight scales of one layer's weights laid out channels last (`values[i]` belongs to
 * channel i mod channels; one scale when not `perChannel`). 8-bit layers clip at max |w|
 * ({@link weightScales}); 4-bit layers use @edgeq/ir's clip search on [−7, 7] with the
 * mode's scale constraint (`mse`: the clip that minimises the squared error; `max`: max |w|).
 * Training (fake-quant) and freeze both call this, so the trained grid is the exported grid.
 */
export function layerWeightScales(
  values: Float32Array, channels: number, perChannel: boolean, bits: WeightBits, mode: ScaleMode, clipping: WeightClipping,
): number[] {
  const groups = perChannel ? channels : 1;
  const maxAbs = new Float64Array(groups);
  for (let i = 0; i < values.length; i++) {
    const k = perChannel ? i % channels : 0;
    const a = Math.abs(values[i]);
    if (a > maxAbs[k]) maxAbs[k] = a;
  }
  if (bits === 8) return weightScales(maxAbs, mode);
  const live = Array.from(maxAbs).filter((m) => m > 0 && Number.isFinite(m));
  const fallback = live.length ? Math.max(...live) : W4_QMAX * 2 ** -3;
  if (!perChannel) return [channelWeightScale(values, W4_QMAX, clipping, (s) => constrainScale(s, mode), fallback)];
  const per = values.length / channels;
  const channel = new Float32Array(per);
  return Array.from({ length: channels }, (_, k) => {
    for (let j = 0; j < per; j++) channel[j] = values[j * channels + k];
    return channelWeightScale(channel, W4_QMAX, clipping, (s) => constrainScale(s, mode), fallback);
  });
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
