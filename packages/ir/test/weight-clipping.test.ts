/**
 * The per-channel weight clip search: hand-worked channels where clipping an outlier wins
 * at 4 bits, where it does not, and the power-of-two constraint.
 */
import { describe, expect, it } from 'vitest';
import { channelWeightScale, mulberry32, weightQuantError } from '../src/index.js';

const float32 = (s: number) => Math.fround(s);
const pow2Up = (s: number) => 2 ** Math.ceil(Math.log2(s));

describe('channelWeightScale', () => {
  it('never does worse than clipping at the max, and keeps an outlier that is costly to clip', () => {
    // Nine weights ±0.1 and one 1.4. Clipping at the max: scale 0.2, each ±0.1 rounds away to
    // ±0.2 (error 9 · 0.01 = 0.09), 1.4 is level 7 exactly. A clip at 0.7 (scale 0.1) would hold
    // the small weights exactly but lose 0.7 on the outlier (error 0.49): the search must stay
    // near the max (within 10%) and never return a larger error than the max.
    const spread = [0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, 1.4];
    const max = channelWeightScale(spread, 7, 'max', float32, 1);
    const mse = channelWeightScale(spread, 7, 'mse', float32, 1);
    expect(max).toBe(float32(0.2));
    expect(mse).toBeGreaterThan(0.9 * max);
    expect(weightQuantError(spread, mse, 7)).toBeLessThanOrEqual(weightQuantError(spread, max, 7));
  });

  it('finds a clip below the max for a bell-shaped channel with one outlier', () => {
    // 1000 weights of a bell curve with σ ≈ 0.1 and one at 0.5 (5σ). Clipping at 0.5 gives
    // scale 0.5/7 ≈ 0.071 and a rounding error of about 1000·0.071²/12 ≈ 0.42; a clip near
    // 0.3 (3σ) gives about 1000·0.043²/12 ≈ 0.15 plus 0.2² = 0.04 on the outlier: the search
    // must land below the max with a smaller error.
    const r = mulberry32(7);
    const bell = [...Array.from({ length: 1000 }, () => (r() + r() + r() + r() - 2) * 0.17), 0.5];
    const max = channelWeightScale(bell, 7, 'max', float32, 1);
    const mse = channelWeightScale(bell, 7, 'mse', float32, 1);
    expect(max).toBe(float32(0.5 / 7));
    expect(mse).toBeLessThan(max * 0.8);
    expect(weightQuantError(bell, mse, 7)).toBeLessThan(0.6 * weightQuantError(bell, max, 7));
  });

  it('keeps power-of-two scales legal and falls back for a dead channel', () => {
    const w = [0.3, -0.2, 0.05];
    // max |w| / 7 = 0.0428..., up to a power of two: 2^-4 = 0.0625.
    expect(channelWeightScale(w, 7, 'max', pow2Up, 1)).toBe(0.0625);
    const mse = channelWeightScale(w, 7, 'mse', pow2Up, 1);
    expect(Math.log2(mse)).toBe(Math.round(Math.log2(mse)));
    expect(channelWeightScale([0, 0], 7, 'mse', float32, 0.7)).toBe(float32(0.1));
  });
});
