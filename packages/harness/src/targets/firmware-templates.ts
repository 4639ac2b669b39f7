// Renders the project's own firmware templates (packages/harness/templates/firmware): the linker
// script for a target's memory map and the firmware harness main, and lists the
// support sources (startup, semihosting, counter) every firmware links.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { CortexMTarget } from './table.js';

/** Absolute path of this package's templates/firmware (beside src/ and dist/). */
export const FIRMWARE_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/firmware/', import.meta.url));

/** C sources of the firmware support library, in templates/firmware. */
export const FIRMWARE_SUPPORT_SOURCES: readonly string[] = ['edgeq_startup.c', 'edgeq_semihost.c', 'edgeq_counter.c'].map(
  (f) => join(FIRMWARE_TEMPLATE_DIR, f),
);

/** Headers of the firmware support library (copied into standalone firmware directories). */
export const FIRMWARE_SUPPORT_HEADERS: readonly string[] = [
  'edgeq_firmware.h',
  'edgeq_semihost.h',
  'edgeq_counter.h',
  'edgeq_profile.h',
].map((f) => join(FIRMWARE_TEMPLATE_DIR, f));

const compiled = new Map<string, Handlebars.TemplateDelegate>();

function template(name: string): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = Handlebars.compile(readFileSync(join(FIRMWARE_TEMPLATE_DIR, name), 'utf8'), { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0').toUpperCase()}`;
}

/** Renders link.ld for a target; `ramSize` and `flashSize` can be overridden (used to measure oversize images). */
export function renderLinkerScript(target: CortexMTarget, stackSize: number, ramSize = target.ram.size, flashSize = target.flash.size): string {
  if (!Number.isInteger(stackSize) || stackSize <= 0 || stackSize % 8 !== 0) {
    throw new Error(`stack size must be a positive multiple of 8 bytes, got ${stackSize}`);
  }
  return template('link.ld.hbs')({
    targetName: target.title,
    machine: target.qemuMachine,
    flashOrigin: hex(target.flash.origin),
    flashSize: hex(flashSize),
    ramOrigin: hex(target.ram.origin),
    ramSize: hex(ramSize),
    stackSize: hex(stackSize),
  });
}

/** What the firmware harness main needs to know about the model. */
export interface HarnessMainOptions {
  /** Model symbol prefix: the model exposes `<prefix>_input`, `<prefix>_output`, `<prefix>_invoke`. */
  readonly prefix: string;
  /** Header declaring the model API (default "model.h"). */
  readonly modelHeader?: string;
  /** Bytes of one input vector (int8): every model input's bytes, back to back. */
  readonly inputSize: number;
  /** Bytes of one output vector (int8): every model output's bytes, back to back. */
  readonly outputSize: number;
  /**
   * Bytes of each model input, in order (`<prefix>_input(i)` gets the i-th slice of a vector);
   * they sum to inputSize. Default: one input of inputSize bytes.
   */
  readonly inputSizes?: readonly number[];
  /** Bytes of each model output, in order; they sum to outputSize. Default: one output of outputSize bytes. */
  readonly outputSizes?: readonly number[];
  /** Op names in execution order; their count is the number of profiled ops. */
  readonly opNames: readonly string[];
  /** Optional `int fn(void)` to call once before the first inference (0 = success). */
  readonly initFunction?: string;
  /** Host file names opened through semihosting, relative to QEMU's working directory. */
  readonly inputFile?: string;
  readonly outputFile?: string;
  readonly summaryFile?: string;
}

const C_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILE_NAME = /^[A-Za-z0-9_./-]+$/;

/** Per-input (or per-output) byte counts: given ones checked against their total, else one part. */
function partSizes(name: string, sizes: readonly number[] | undefined, total: number): number[] {
  if (sizes === undefined) return [total];
  if (sizes.length === 0 || !sizes.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${name} must be positive integers, got [${sizes.join(', ')}]`);
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== total) throw new Error(`${name} [${sizes.join(', ')}] sum to ${sum}, not ${total}`);
  return [...sizes];
}

/** Renders harness_main.c for a model. */
export function renderHarnessMain(o: HarnessMainOptions): string {
  if (!C_IDENT.test(o.prefix)) throw new Error(`model prefix "${o.prefix}" is not a C identifier`);
  if (o.initFunction !== undefined && !C_IDENT.test(o.initFunction)) {
    throw new Error(`init function "${o.initFunction}" is not a C identifier`);
  }
  for (const [k, v] of [
    ['inputSize', o.inputSize],
    ['outputSize', o.outputSize],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer, got ${v}`);
  }
  const inputSizes = partSizes('inputSizes', o.inputSizes, o.inputSize);
  const outputSizes = partSizes('outputSizes', o.outputSizes, o.outputSize);
  const files = {
    inputFile: o.inputFile ?? 'input.bin',
    outputFile: o.outputFile ?? 'output.bin',
    summaryFile: o.summaryFile ?? 'summary.json',
  };
  for (const f of Object.values(files)) {
    if (!FILE_NAME.test(f)) throw new Error(`file name "${f}" has characters the C string would need escaped`);
  }
  return template('harness_main.c.hbs')({
    prefix: o.prefix,
    modelHeader: o.modelHeader ?? 'model.h',
    inputSize: o.inputSize,
    outputSize: o.outputSize,
    inputSizes,
    outputSizes,
    numInputs: inputSizes.length,
    numOutputs: outputSizes.length,
    numOps: o.opNames.length,
    numOpsOrOne: Math.max(1, o.opNames.length),
    // Names only appear in a C comment: keep them to characters that cannot end it.
    opNames: o.opNames.map((n) => n.replace(/[^A-Za-z0-9_.:\-[\] ]/g, '_')),
    initFunction: o.initFunction ?? '',
    ...files,
  });
}
