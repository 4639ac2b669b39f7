// Flash and RAM figures of a linked firmware: section totals from
// `arm-none-eabi-size -A`, a per-group split (model, runtime, harness, toolchain
// libraries) from the GNU ld map file, and symbol sizes from `arm-none-eabi-nm`.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** Bytes by kind for one group of object files. */
export interface GroupBytes {
  /** Executable code (.text*, exception index). */
  code: number;
  /** Read-only data in flash (.rodata*, vector table). */
  rodata: number;
  /** Initialised data: occupies RAM and its image occupies flash. */
  data: number;
  /** Zero-initialised RAM. */
  bss: number;
}

/** Section totals of an ELF, in bytes. */
export interface SectionTotals {
  /** Flash: .text (code + rodata) and .ARM.exidx. */
  readonly text: number;
  readonly data: number;
  readonly bss: number;
  /** Stack reservation (.stack). */
  readonly stack: number;
  /** text + data (the .data image lives in flash too). */
  readonly flash: number;
  /** data + bss: RAM used before the stack. */
  readonly ramStatic: number;
}

/** One input section placed by the linker. */
export interface MapEntry {
  readonly outputSection: string;
  readonly inputSection: string;
  readonly size: number;
  /** Object file or archive member, or "*fill*" for alignment padding. */
  readonly file: string;
}

const TEXT_OUTPUTS = new Set(['.text', '.ARM.exidx', '.ARM.extab']);
const KNOWN_OUTPUTS = new Set([...TEXT_OUTPUTS, '.data', '.bss', '.stack']);

/** Parses the "Linker script and memory map" part of a GNU ld map file. */
export function parseLinkerMap(mapText: string): MapEntry[] {
  const start = mapText.indexOf('Linker script and memory map');
  const lines = (start >= 0 ? mapText.slice(start) : mapText).split('\n');
  const entries: MapEntry[] = [];
  let output = '';
  let pendingInput: string | undefined;
  for (const line of lines) {
    const out = /^(\.[^\s]+)(?:\s+0x[0-9a-f]+\s+0x[0-9a-f]+)?/.exec(line);
    if (out && !line.startsWith(' ')) {
      output = out[1];
      pendingInput = undefined;
      continue;
    }
    if (!KNOWN_OUTPUTS.has(output)) continue;
    const fill = /^ \*fill\*\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(line);
    if (fill) {
      entries.push({ outputSection: output, inputSection: '*fill*', size: parseInt(fill[1], 16), file: '*fill*' });
      continue;
    }
    const full = /^ (\S+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$/.exec(line);
    if (full && !full[1].startsWith('*(')) {
      entries.push({ outputSection: output, inputSection: full[1], size: parseInt(full[2], 16), file: full[3].trim() });
      pendingInput = undefined;
      continue;
    }
    const nameOnly = /^ (\.\S+|COMMON)$/.exec(line);
    if (nameOnly) {
      pendingInput = nameOnly[1];
      continue;
    }
    const cont = /^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$/.exec(line);
    if (cont && pendingInput !== undefined) {
      entries.push({ outputSection: output, inputSection: pendingInput, size: parseInt(cont[1], 16), file: cont[2].trim() });
      pendingInput = undefined;
    }
  }
  return entries;
}

/** Which kind of bytes an input section contributes. */
export function entryKind(e: MapEntry): keyof GroupBytes | 'stack' {
  if (e.outputSection === '.stack') return 'stack';
  if (e.outputSection === '.data') return 'data';
  if (e.outputSection === '.bss') return 'bss';
  if (e.inputSection === '.vectors' || e.inputSection.startsWith('.rodata')) return 'rodata';
  return 'code';
}

/**
 * Sums map entries per group. `groupOf` maps an object file path to its group;
 * archive members and linker stubs go to "toolchain-libs", padding to "padding".
 */
export function bytesByGroup(entries: readonly MapEntry[], groupOf: ReadonlyMap<string, string>): Record<string, GroupBytes> {
  const result: Record<string, GroupBytes> = {};
  for (const e of entries) {
    const kind = entryKind(e);
    if (kind === 'stack' || e.size === 0) continue;
    let group = groupOf.get(e.file);
    if (!group) {
      if (e.file === '*fill*') group = 'padding';
      else if (/\.a\(.*\)$/.test(e.file) || e.file === 'linker stubs') group = 'toolchain-libs';
      else group = 'other';
    }
    const g = (result[group] ??= { code: 0, rodata: 0, data: 0, bss: 0 });
    g[kind] += e.size;
  }
  return result;
}

/** Section totals via `arm-none-eabi-size -A`. */
export async function sectionTotals(sizeCmd: string, elf: string): Promise<SectionTotals> {
  const { stdout } = await execa(sizeCmd, ['-A', '-d', elf]);
  const sec = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line);
    if (m) sec.set(m[1], Number(m[2]));
  }
  const get = (n: string) => sec.get(n) ?? 0;
  const text = get('.text') + get('.ARM.exidx') + get('.ARM.extab');
  const data = get('.data');
  const bss = get('.bss');
  return { text, data, bss, stack: get('.stack'), flash: text + data, ramStatic: data + bss };
}

/** Sizes of named symbols (bytes) via `arm-none-eabi-nm --print-size`; absent names are omitted. */
export async function symbolSizes(nmCmd: string, elf: string, names: readonly string[]): Promise<Map<string, number>> {
  const { stdout } = await execa(nmCmd, ['--print-size', elf]);
  const want = new Set(names);
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^[0-9a-f]+ ([0-9a-f]+) \S (\S+)$/.exec(line.trim());
    if (m && want.has(m[2])) out.set(m[2], parseInt(m[1], 16));
  }
  return out;
}

/** Reads and parses a map file. */
export async function readLinkerMap(path: string): Promise<MapEntry[]> {
  return parseLinkerMap(await readFile(path, 'utf8'));
}
