// Test support for the generated firmware directory: generates one (dscnn, prefix `model`)
// into a temporary directory, lists its library sources, and gives an input vector that C
// code and the interpreter can both compute (so a test needs no input file).
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReferenceModel, type QGraph } from '@edgeq/ir';
import { FIRMWARE_LAYOUT, writeDeviceFirmwareDir, type DeviceFirmwareDirOptions } from '../../src/targets/index.js';

/** A generated firmware directory inside a fresh temporary parent. */
export interface FirmwareProject {
  /** The temporary parent (remove it when done); the project is `<parent>/<name>`. */
  readonly parent: string;
  readonly dir: string;
  readonly graph: QGraph;
  /** `<dir>/src`, the library. */
  readonly libraryDir: string;
  /** Absolute paths of the library's C sources. */
  readonly librarySources: string[];
}

/** Generates dscnn (seeded weights) with the C API prefix `model` into `<new temporary parent>/<name>`. */
export async function generateFirmwareProject(options: DeviceFirmwareDirOptions = {}, name = 'fw'): Promise<FirmwareProject> {
  const parent = await mkdtemp(join(tmpdir(), 'edgeq-fwlayout-'));
  const dir = join(parent, name);
  const graph = buildReferenceModel('dscnn', { scales: 'fixed', rounding: 'tflm' }, 5);
  await writeDeviceFirmwareDir(graph, dir, { prefix: 'model', ...options });
  const libraryDir = join(dir, FIRMWARE_LAYOUT.library);
  const librarySources = (await readdir(libraryDir)).filter((f) => f.endsWith('.c')).sort().map((f) => join(libraryDir, f));
  return { parent, dir, graph, libraryDir, librarySources };
}

/** Element `i` of the test input, as an int8: ((i * 37 + 11) mod 256) - 128. */
export function testInput(elements: number): Int8Array {
  return Int8Array.from({ length: elements }, (_, i) => ((i * 37 + 11) % 256) - 128);
}

/** The same input written in C, filling `int8_t *buffer` of `elements` bytes. */
export function testInputC(buffer: string, elements: string): string {
  return `for (i = 0; i < (int)(${elements}); i++) { ${buffer}[i] = (int8_t)(((i * 37 + 11) % 256) - 128); }`;
}
