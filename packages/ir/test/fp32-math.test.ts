/**
 * The fp32 requantisation primitives (docs/quantization-spec.md, mode fp32), checked
 * against values worked out by hand from IEEE-754 binary32.
 */
import { describe, expect, it } from 'vitest';
import { bitsToFloat32, float32ToBits, fp32Requant, roundHalfEven } from '../src/index.js';

describe('fp32 requantisation primitives', () => {
  it('round half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001, -7].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, -2, 2, 3, -7]);
  });
  it('float32 bit patterns', () => {
    expect(float32ToBits(1)).toBe(0x3f800000);
    expect(float32ToBits(0.25)).toBe(0x3e800000);
    expect(float32ToBits(-2)).toBe(0xc0000000 | 0);
    expect(bitsToFloat32(0x3eaaaaab)).toBe(Math.fround(1 / 3));
    expect(float32ToBits(0.1)).toBe(0x3dcccccd); // 0.1 rounds up to 0x3dcccccd in binary32
  });
  it('f32(acc) · f32(m), round half to even', () => {
    const q = (x: number, m: number) => fp32Requant(x, float32ToBits(m));
    expect(q(5, 0.25)).toBe(1); // 1.25
    expect(q(10, 0.25)).toBe(2); // 2.5 -> even
    expect(q(14, 0.25)).toBe(4); // 3.5 -> even
    expect(q(-6, 0.25)).toBe(-2); // -1.5 -> even
    // 2147000003 is not a float32: it becomes 2147000064 (spacing 128), times 2^-25 = 63.985.. -> 64.
    expect(q(2147000003, 2 ** -25)).toBe(64);
    // 16777217 = 2^24 + 1 rounds to 2^24 (tie to even) before the multiply: 2^24 * 2^-24 = 1.
    expect(q(16777217, 2 ** -24)).toBe(1);
    // 0.1 in float32 is 0.100000001490116..., so 5 · 0.1f = 0.5000000074 in exact arithmetic, but
    // the float32 product rounds to exactly 0.5 -> 0 (even).
    expect(q(5, 0.1)).toBe(0);
    expect(q(2 ** 30, 200)).toBe(32767); // clamped before rounding
  });
});
