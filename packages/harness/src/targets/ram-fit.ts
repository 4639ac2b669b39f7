// The RAM-fit rule: static data + bss + arena + stack must fit the target's RAM.
// Checked before a firmware runs, so an oversize model is refused with its sizes
// and the shortfall instead of crashing (or silently corrupting) on the device.
import { RamFitError, type RamFitReport } from './errors.js';
import type { CortexMTarget } from './table.js';

/** What a firmware needs in RAM, in bytes. */
export interface RamNeeds {
  readonly data: number;
  readonly bss: number;
  readonly stack: number;
  /** Arena bytes; counted on top of bss unless `arenaInBss` (a static arena array is in bss). */
  readonly arena?: number;
  readonly arenaInBss?: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Computes the RAM-fit verdict without throwing. */
export function ramFit(target: CortexMTarget, needs: RamNeeds): RamFitReport {
  const arena = needs.arena ?? 0;
  const arenaInBss = needs.arenaInBss ?? true;
  const required = needs.data + needs.bss + needs.stack + (arenaInBss ? 0 : arena);
  const available = target.ram.size;
  const shortfall = Math.max(0, required - available);
  return {
    target: target.id,
    available,
    data: needs.data,
    bss: needs.bss,
    arena,
    arenaInBss,
    stack: needs.stack,
    required,
    shortfall,
    fits: shortfall === 0,
  };
}

/** One-line explanation of a verdict, with every size and the shortfall. */
export function describeRamFit(r: RamFitReport, title = r.target): string {
  const arenaPart = r.arenaInBss
    ? `bss ${fmt(r.bss)} (of which arena ${fmt(r.arena)})`
    : `bss ${fmt(r.bss)} + arena ${fmt(r.arena)}`;
  const parts = `data ${fmt(r.data)} + ${arenaPart} + stack ${fmt(r.stack)}`;
  return r.fits
    ? `fits ${title}: ${fmt(r.required)} B of ${fmt(r.available)} B RAM (${parts})`
    : `does not fit ${title}: needs ${fmt(r.required)} B of RAM (${parts}) but the target has ` +
        `${fmt(r.available)} B; short by ${fmt(r.shortfall)} B`;
}

/** Throws {@link RamFitError} when the firmware does not fit; returns the report otherwise. */
export function assertRamFit(target: CortexMTarget, needs: RamNeeds): RamFitReport {
  const r = ramFit(target, needs);
  if (!r.fits) throw new RamFitError(r, `firmware refused: ${describeRamFit(r, target.title)}`);
  return r;
}
