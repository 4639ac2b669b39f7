// The fit check before building (issue 13): a model's constants against the target's flash,
// its arena plus the default stack against its RAM, with sizes and shortfalls in one line; and
// a model no Cortex-M target can hold. Expected figures are worked by hand from the target
// table (Cortex-M0 / micro:bit: 256 KiB flash = 262,144 B, 16 KiB RAM = 16,384 B, 2 KiB stack;
// MPS2 boards: 4 MiB flash and RAM = 4,194,304 B, 8 KiB stack).
import { describe, expect, it } from 'vitest';
import { describeFitsNoTarget, describeModelFit, getCortexMTarget, modelFit, modelFitAll } from '../src/index.js';

describe('modelFit (before building)', () => {
  const m0 = getCortexMTarget('cortex-m0');
  const m4 = getCortexMTarget('cortex-m4');

  it('flash: constants 300,000 B on the micro:bit are 37,856 B too many (300,000 − 262,144)', () => {
    const r = modelFit(m0, { constantBytes: 300_000, arenaBytes: 1_000 });
    expect(r).toMatchObject({ fits: false, flash: { needed: 300_000, available: 262_144, shortfall: 37_856 }, ram: { needed: 3_048, shortfall: 0 } });
    expect(describeModelFit(r)).toBe(
      'does not fit Cortex-M0 (QEMU microbit, nRF51822) (cortex-m0), before building: flash: constants 300,000 B, the target has 262,144 B, short by 37,856 B',
    );
  });

  it('RAM: arena 15,000 B + stack 2,048 B = 17,048 B on 16,384 B is 664 B short; both regions named when both fail', () => {
    const r = modelFit(m0, { constantBytes: 300_000, arenaBytes: 15_000 });
    expect(r.ram).toEqual({ needed: 17_048, available: 16_384, shortfall: 664 });
    expect(describeModelFit(r)).toBe(
      'does not fit Cortex-M0 (QEMU microbit, nRF51822) (cortex-m0), before building: flash: constants 300,000 B, the target has 262,144 B, ' +
        'short by 37,856 B; RAM: arena 15,000 B + stack 2,048 B = 17,048 B, the target has 16,384 B, short by 664 B',
    );
  });

  it('exactly full fits: constants 262,144 B and arena 14,336 B (+ 2,048 stack = 16,384)', () => {
    expect(modelFit(m0, { constantBytes: 262_144, arenaBytes: 14_336 }).fits).toBe(true);
    expect(modelFit(m0, { constantBytes: 262_145, arenaBytes: 14_336 }).fits).toBe(false);
    expect(modelFit(m0, { constantBytes: 262_144, arenaBytes: 14_337 }).fits).toBe(false);
  });

  it('Cortex-M4: an 8 MiB arena is 4,202,496 B short (8,388,608 + 8,192 − 4,194,304)', () => {
    const r = modelFit(m4, { constantBytes: 0, arenaBytes: 8 * 1024 * 1024 });
    expect(r.ram.shortfall).toBe(4_202_496);
    expect(describeModelFit(r)).toContain('RAM: arena 8,388,608 B + stack 8,192 B = 8,396,800 B, the target has 4,194,304 B, short by 4,202,496 B');
  });
});

describe('a model no target can hold', () => {
  it('is named with the largest flash and RAM and the excess', () => {
    expect(describeFitsNoTarget({ constantBytes: 300_000, arenaBytes: 1_000 })).toBeUndefined(); // the MPS2 boards hold it
    expect(describeFitsNoTarget({ constantBytes: 5_000_000, arenaBytes: 8 * 1024 * 1024 })).toBe(
      'fits no edgeq target, before building: constants 5,000,000 B exceed the largest flash, 4,194,304 B (cortex-m3), by 805,696 B; ' +
        'arena 8,388,608 B + stack 8,192 B exceed the largest RAM, 4,194,304 B (cortex-m3), by 4,202,496 B',
    );
  });

  it('one target that holds it is enough: a 3 MiB arena fits the MPS2 boards (4 MiB RAM), not the micro:bit or the M33 (2 MiB)', () => {
    const needs = { constantBytes: 300_000, arenaBytes: 3 * 1024 * 1024 };
    expect(modelFitAll(needs).filter((r) => r.fits).map((r) => r.target)).toEqual(['cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m0-mps2']);
    expect(describeFitsNoTarget(needs)).toBeUndefined();
  });
});
