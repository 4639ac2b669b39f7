/**
 * Weight clipping for narrow weights: the per-channel scale that minimises the squared
 * quantisation error of a channel's real weights on a symmetric grid [-qmax, qmax]. At
 * 8 bits clipping at max |w| is near optimal; at 4 bits (qmax 7) a clip below max |w|
 * trades a few clipped outliers for a finer grid and usually wins. Used by PTQ of float
 * weights (@edgeq/qat) and by narrowing an int8 graph's weights to int4 (narrow-weights).
 */

/** How a channel's weight scale is chosen: `max` clips at max |w|, `mse` searches the clip. */
export type WeightClipping = 'max' | 'mse';

/** Number of clip ratios the MSE search tries between `MSE_LOWEST_RATIO`·max and max. */
const MSE_STEPS = 64;
/** The smallest clip the search tries, as a fraction of max |w|. */
const MSE_LOWEST_RATIO = 0.3;

/** Squared error of `values` quantised with `scale` on [-qmax, qmax] (round half away from zero). */
export function weightQuantError(values: ArrayLike<number>, scale: number, qmax: number): number {
  let error = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const r = v / scale;
    const level = Math.min(qmax, Math.max(-qmax, r < 0 ? -Math.floor(-r + 0.5) : Math.floor(r + 0.5)));
    const d = v - level * scale;
    error += d * d;
  }
  return error;
}

/**
 * The scale of one channel's real weights on [-qmax, qmax]. `constrain` maps a candidate to
 * a legal scale (float32 rounding, or up to a power of two); with `mse` every candidate is
 * constrained before its error is measured, so the winner is a scale the graph can hold.
 * Ties keep the larger scale (no clipping). A channel without a non-zero finite weight gets
 * `constrain(fallback / qmax)`.
 */
export function channelWeightScale(
  values: ArrayLike<number>,
  qmax: number,
  clipping: WeightClipping,
  constrain: (scale: number) => number,
  fallback: number,
): number {
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  if (!(maxAbs > 0)) return constrain(fallback / qmax);
  let best = constrain(maxAbs / qmax);
  if (clipping === 'max') return best;
  let bestError = weightQuantError(values, best, qmax);
  const tried = new Set([best]);
  for (let k = 1; k < MSE_STEPS; k++) {
    const ratio = 1 - ((1 - MSE_LOWEST_RATIO) * k) / (MSE_STEPS - 1);
    const scale = constrain((maxAbs * ratio) / qmax);
    if (tried.has(scale)) continue;
    tried.add(scale);
    const error = weightQuantError(values, scale, qmax);
    if (error < bestError) {
      best = scale;
      bestError = error;
    }
  }
  return best;
}
