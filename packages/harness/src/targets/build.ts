// Builds a Cortex-M ELF with arm-none-eabi-gcc: compiles each C source to its own
// object (so the map file can attribute bytes to model, runtime or harness; an object
// compiled before from the same preprocessed text and flags comes from the object cache),
// links with the project's linker script and startup, newlib-nano and
// --gc-sections, then reads the sizes and applies the RAM-fit rule.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CompileError, FlashFitError, RamFitError } from './errors.js';
import { FIRMWARE_SUPPORT_SOURCES, FIRMWARE_TEMPLATE_DIR, renderLinkerScript } from './firmware-templates.js';
import { assertRamFit, ramFit, describeRamFit } from './ram-fit.js';
import { bytesByGroup, readLinkerMap, sectionTotals, symbolSizes, type GroupBytes, type SectionTotals } from './sizes.js';
import type { CortexMTarget } from './table.js';
import { compileObjectCached } from '../object-cache.js';
import { STRICT_C_FLAGS, checkTool, crossToolchain, runCompiler, type CrossToolchain, type ToolchainOptions } from '../toolchain.js';
import type { FlashFitReport, RamFitReport } from './errors.js';

/** A C source and the group its bytes are reported under (default "app"). */
export interface FirmwareSource {
  readonly path: string;
  readonly group?: string;
}

/** Inputs of {@link buildFirmware}. */
export interface BuildFirmwareOptions extends ToolchainOptions {
  readonly target: CortexMTarget;
  /** C sources (paths, or paths with a size group such as "model" / "runtime"). */
  readonly sources: ReadonlyArray<string | FirmwareSource>;
  /** Directory for objects, linker script, map and ELF (created). */
  readonly outDir: string;
  readonly includeDirs?: readonly string[];
  /** -D defines; `true` means defined without a value. */
  readonly defines?: Readonly<Record<string, string | number | true>>;
  /** Optimisation level (default "O2", as the generated firmware Makefile and bench/mcu.ts). */
  readonly optimize?: 'O0' | 'O1' | 'O2' | 'O3' | 'Os';
  /** Stack reservation in bytes (default: the target's). */
  readonly stackSize?: number;
  /** Name of the ELF (default "firmware.elf"). */
  readonly name?: string;
  /** Extra compiler flags (after the standard ones). */
  readonly extraCflags?: readonly string[];
  /** Symbol of the static arena, to report its size (it is part of bss). */
  readonly arenaSymbol?: string;
  /** Link the edgeq startup/semihosting/counter sources (default true). */
  readonly withSupport?: boolean;
}

/** What a successful build produced. */
export interface FirmwareBuild {
  readonly target: CortexMTarget;
  readonly elf: string;
  readonly map: string;
  readonly linkerScript: string;
  readonly sections: SectionTotals;
  /** Bytes per source group (plus "toolchain-libs", "padding"). */
  readonly groups: Record<string, GroupBytes>;
  /** Arena size when `arenaSymbol` was given and found. */
  readonly arena?: number;
  readonly ramFit: RamFitReport;
  readonly toolchain: CrossToolchain;
}

/** Standard C flags for every firmware source (language, warnings, sections). */
export function firmwareCflags(target: CortexMTarget, optimize: string): string[] {
  return [
    ...target.cpuFlags,
    ...STRICT_C_FLAGS,
    `-${optimize}`,
    '-ffunction-sections',
    '-fdata-sections',
  ];
}

/** Link flags: own startup, newlib-nano (libc for memcpy/memset only), nosys stubs, GC of unused sections. */
export function firmwareLdflags(target: CortexMTarget): string[] {
  return [...target.cpuFlags, '-nostartfiles', '--specs=nano.specs', '--specs=nosys.specs', '-Wl,--gc-sections'];
}

function defineFlags(defines: Readonly<Record<string, string | number | true>>): string[] {
  return Object.entries(defines).map(([k, v]) => (v === true ? `-D${k}` : `-D${k}=${v}`));
}

async function runTool(cmd: string, args: string[], stage: 'compile' | 'link', file: string): Promise<void> {
  const r = await runCompiler(cmd, args);
  if (!r.ok) throw new CompileError(stage, file, [cmd, ...args].join(' '), r.output);
}

/** Runs async jobs with at most `limit` in flight (the machine is shared). */
async function limited<T>(items: readonly T[], limit: number, job: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await job(items[i], i);
    }
  });
  await Promise.all(workers);
}

/** Region size linked against to measure an image that overflows the real one (256 MiB). */
const OVERSIZE_REGION = 0x1000_0000;

/** One line: a linked image's flash needs, the target's flash and the shortfall. */
function describeFlashFit(r: FlashFitReport, title: string): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  return `does not fit ${title}: needs ${fmt(r.required)} B of flash (text ${fmt(r.text)} + data ${fmt(r.data)}) but the target has ${fmt(r.available)} B; short by ${fmt(r.shortfall)} B`;
}

/**
 * Compiles and links firmware for a Cortex-M target, then checks that it fits.
 * Throws {@link ToolchainMissingError}, {@link CompileError} (with the compiler's
 * message), {@link FlashFitError} or {@link RamFitError} (with sizes and shortfall).
 */
export async function buildFirmware(o: BuildFirmwareOptions): Promise<FirmwareBuild> {
  const tc = crossToolchain(o);
  await checkTool(tc.gcc);
  const { target } = o;
  const outDir = resolve(o.outDir);
  const objDir = join(outDir, 'obj');
  await mkdir(objDir, { recursive: true });
  const stackSize = o.stackSize ?? target.defaultStackSize;
  const name = o.name ?? 'firmware.elf';

  const sources: FirmwareSource[] = o.sources.map((s) => (typeof s === 'string' ? { path: s } : s));
  if (o.withSupport ?? true) {
    for (const p of FIRMWARE_SUPPORT_SOURCES) sources.push({ path: p, group: 'harness' });
  }
  const defines = {
    EDGEQ_TICK_INSTR_NUM: target.counter.instrPerTickNum,
    EDGEQ_TICK_INSTR_DEN: target.counter.instrPerTickDen,
    ...(o.defines ?? {}),
  };
  const cflags = [
    ...firmwareCflags(target, o.optimize ?? 'O2'),
    ...defineFlags(defines),
    ...[...(o.includeDirs ?? []), FIRMWARE_TEMPLATE_DIR].map((d) => `-I${resolve(d)}`),
    ...(o.extraCflags ?? []),
  ];

  const groupOf = new Map<string, string>();
  const objects = sources.map((s, i) => {
    const obj = join(objDir, `${String(i).padStart(2, '0')}_${basename(s.path).replace(/\.c$/, '')}.o`);
    groupOf.set(obj, s.group ?? 'app');
    return obj;
  });
  await limited(sources, 2, async (s, i) => {
    const r = await compileObjectCached(tc.gcc, cflags, resolve(s.path), objects[i]);
    if (!r.ok) throw new CompileError('compile', s.path, [tc.gcc, ...cflags, '-c', resolve(s.path), '-o', objects[i]].join(' '), r.output);
  });

  const elf = join(outDir, name);
  const map = elf.replace(/\.elf$/, '') + '.map';
  const linkerScript = join(outDir, 'link.ld');
  await writeFile(linkerScript, renderLinkerScript(target, stackSize));
  const link = (script: string, out: string, mapFile: string) =>
    runTool(tc.gcc, [...firmwareLdflags(target), `-Wl,-Map=${mapFile}`, '-T', script, ...objects, '-o', out], 'link', out);

  try {
    await link(linkerScript, elf, map);
  } catch (e) {
    const flashOverflow = e instanceof CompileError && /region `FLASH' overflowed|will not fit in region `FLASH'/.test(e.output);
    if (!(e instanceof CompileError) || (!flashOverflow && !/region `RAM' overflowed|will not fit in region `RAM'/.test(e.output))) throw e;
    // Relink against an oversized flash and RAM only to measure, then refuse with the real figures.
    const probeScript = join(outDir, 'link-measure.ld');
    await writeFile(probeScript, renderLinkerScript(target, stackSize, OVERSIZE_REGION, OVERSIZE_REGION));
    const probeElf = join(outDir, 'oversize-measure.elf');
    await link(probeScript, probeElf, join(outDir, 'oversize-measure.map'));
    const s = await sectionTotals(tc.size, probeElf);
    if (s.flash > target.flash.size) {
      const report = { target: target.id, available: target.flash.size, text: s.text, data: s.data, required: s.flash, shortfall: s.flash - target.flash.size };
      throw new FlashFitError(report, `firmware refused: ${describeFlashFit(report, target.title)}`);
    }
    const arena = o.arenaSymbol ? (await symbolSizes(tc.nm, probeElf, [o.arenaSymbol])).get(o.arenaSymbol) : undefined;
    assertRamFit(target, { data: s.data, bss: s.bss, stack: s.stack, arena, arenaInBss: true });
    throw e; // unreachable unless ld and our arithmetic disagree
  }

  const sections = await sectionTotals(tc.size, elf);
  const groups = bytesByGroup(await readLinkerMap(map), groupOf);
  const arena = o.arenaSymbol ? (await symbolSizes(tc.nm, elf, [o.arenaSymbol])).get(o.arenaSymbol) : undefined;
  const fit = ramFit(target, { data: sections.data, bss: sections.bss, stack: sections.stack, arena, arenaInBss: true });
  if (!fit.fits) throw new RamFitError(fit, `firmware refused: ${describeRamFit(fit, target.title)}`);
  return { target, elf, map, linkerScript, sections, groups, arena, ramFit: fit, toolchain: tc };
}
