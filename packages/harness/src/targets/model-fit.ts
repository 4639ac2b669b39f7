// The fit check before any build: a model's constants must fit the target's flash and its
// arena plus the stack its RAM. Both are lower bounds of what the firmware will need (code,
// requantisation tables and static data come on top), so a model refused here can never fit,
// and the refusal costs no compile. After linking, ram-fit.ts and the build's flash check
// judge the real image.
import { CORTEX_M_TARGET_IDS, TARGETS, type CortexMTarget } from './table.js';

/** What a model needs at the least, known from the graph alone. */
export interface ModelNeeds {
  /** Bytes of the model's constant tensors (weights, biases): they live in flash. */
  readonly constantBytes: number;
  /** Bytes of the static arena holding every activation: it lives in RAM. */
  readonly arenaBytes: number;
}

/** One memory region's verdict. */
export interface RegionFit {
  /** Bytes needed at the least. */
  readonly needed: number;
  /** Bytes the target has. */
  readonly available: number;
  /** Bytes missing (0 when it fits). */
  readonly shortfall: number;
}

/** The verdict of the fit check before building, with every size behind it. */
export interface ModelFitReport {
  readonly target: string;
  readonly title: string;
  readonly constantBytes: number;
  readonly arenaBytes: number;
  /** Stack reserved on top of the arena (the target's default). */
  readonly stackBytes: number;
  readonly flash: RegionFit;
  readonly ram: RegionFit;
  readonly fits: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function region(needed: number, available: number): RegionFit {
  return { needed, available, shortfall: Math.max(0, needed - available) };
}

/** The fit verdict of a model on one Cortex-M target, without throwing. */
export function modelFit(target: CortexMTarget, needs: ModelNeeds, stackBytes = target.defaultStackSize): ModelFitReport {
  const flash = region(needs.constantBytes, target.flash.size);
  const ram = region(needs.arenaBytes + stackBytes, target.ram.size);
  return {
    target: target.id,
    title: target.title,
    constantBytes: needs.constantBytes,
    arenaBytes: needs.arenaBytes,
    stackBytes,
    flash,
    ram,
    fits: flash.shortfall === 0 && ram.shortfall === 0,
  };
}

/** The parts of a verdict that do not fit, each with its sizes and shortfall. */
function shortfalls(r: ModelFitReport): string[] {
  const parts: string[] = [];
  if (r.flash.shortfall > 0) {
    parts.push(`flash: constants ${fmt(r.constantBytes)} B, the target has ${fmt(r.flash.available)} B, short by ${fmt(r.flash.shortfall)} B`);
  }
  if (r.ram.shortfall > 0) {
    parts.push(
      `RAM: arena ${fmt(r.arenaBytes)} B + stack ${fmt(r.stackBytes)} B = ${fmt(r.ram.needed)} B, the target has ` +
        `${fmt(r.ram.available)} B, short by ${fmt(r.ram.shortfall)} B`,
    );
  }
  return parts;
}

/** One-line explanation of a verdict, with the sizes and shortfalls. */
export function describeModelFit(r: ModelFitReport): string {
  return r.fits
    ? `fits ${r.title} before building: constants ${fmt(r.constantBytes)} of ${fmt(r.flash.available)} B flash, arena + stack ${fmt(r.ram.needed)} of ${fmt(r.ram.available)} B RAM`
    : `does not fit ${r.title} (${r.target}), before building: ${shortfalls(r).join('; ')}`;
}

/** The verdict on each emulated Cortex-M target, smallest core first. */
export function modelFitAll(needs: ModelNeeds): ModelFitReport[] {
  return CORTEX_M_TARGET_IDS.map((id) => modelFit(TARGETS[id] as CortexMTarget, needs));
}

/**
 * One line when a model fits no Cortex-M target at all (the largest flash and RAM named),
 * undefined when one target or more can hold it.
 */
export function describeFitsNoTarget(needs: ModelNeeds): string | undefined {
  const all = modelFitAll(needs);
  if (all.some((r) => r.fits)) return undefined;
  const largestFlash = all.reduce((a, b) => (b.flash.available > a.flash.available ? b : a));
  const largestRam = all.reduce((a, b) => (b.ram.available > a.ram.available ? b : a));
  const parts: string[] = [];
  if (largestFlash.flash.shortfall > 0) parts.push(`constants ${fmt(needs.constantBytes)} B exceed the largest flash, ${fmt(largestFlash.flash.available)} B (${largestFlash.target}), by ${fmt(largestFlash.flash.shortfall)} B`);
  if (largestRam.ram.shortfall > 0) {
    parts.push(`arena ${fmt(needs.arenaBytes)} B + stack ${fmt(largestRam.stackBytes)} B exceed the largest RAM, ${fmt(largestRam.ram.available)} B (${largestRam.target}), by ${fmt(largestRam.ram.shortfall)} B`);
  }
  // Each target fails on flash or on RAM; when the largest of each would hold its part, name every target's reason.
  if (parts.length === 0) parts.push(...all.map((r) => `${r.target}: ${shortfalls(r).join('; ')}`));
  return `fits no edgeq target, before building: ${parts.join('; ')}`;
}
