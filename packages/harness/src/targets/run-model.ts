// One call from "model C sources + input vectors" to "outputs + instruction
// counts + sizes" on an emulated Cortex-M: renders the firmware harness main,
// builds, refuses what does not fit, runs under QEMU, and reads the results.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildFirmware, type FirmwareBuild, type FirmwareSource } from './build.js';
import { renderHarnessMain, type HarnessMainOptions } from './firmware-templates.js';
import { instructionProfile, parseFirmwareSummary, type InstructionProfile } from './profile.js';
import { runFirmwareOrThrow, type FirmwareRun } from './qemu.js';
import type { CortexMTarget } from './table.js';
import type { ToolchainOptions } from '../toolchain.js';

/** Inputs of {@link runModelOnTarget}. */
export interface RunModelOptions extends HarnessMainOptions, ToolchainOptions {
  readonly target: CortexMTarget;
  /** Model (and runtime) C sources; give groups ("model", "runtime") for the size split. */
  readonly sources: ReadonlyArray<string | FirmwareSource>;
  /** Must include the directory of the model header. */
  readonly includeDirs: readonly string[];
  readonly defines?: Readonly<Record<string, string | number | true>>;
  /** N input vectors of `inputSize` bytes each, back to back. */
  readonly inputs: Uint8Array | Int8Array;
  /** Scratch directory for sources, build and run files (created). */
  readonly workDir: string;
  readonly optimize?: 'O0' | 'O1' | 'O2' | 'O3' | 'Os';
  readonly stackSize?: number;
  readonly arenaSymbol?: string;
  /** Per-op profiling (defines EDGEQ_PROFILE; default true). */
  readonly profile?: boolean;
  readonly timeoutMs?: number;
}

/** Everything a model run on a target yields. */
export interface ModelRunResult {
  readonly build: FirmwareBuild;
  readonly run: FirmwareRun;
  /** N output vectors of `outputSize` bytes, back to back. */
  readonly outputs: Int8Array;
  readonly profile: InstructionProfile;
}

/**
 * Builds the model with the firmware harness for `target`, runs it under QEMU on
 * all input vectors, and returns outputs, instruction counts and sizes. Throws
 * the typed errors of the build and run steps (toolchain, compile, RAM fit,
 * HardFault, non-zero exit, hang).
 */
export async function runModelOnTarget(o: RunModelOptions): Promise<ModelRunResult> {
  if (o.inputs.length === 0 || o.inputs.length % o.inputSize !== 0) {
    throw new Error(`inputs hold ${o.inputs.length} bytes, not a positive multiple of inputSize ${o.inputSize}`);
  }
  const workDir = resolve(o.workDir);
  await mkdir(workDir, { recursive: true });
  const mainPath = join(workDir, 'harness_main.c');
  await writeFile(mainPath, renderHarnessMain(o));
  const build = await buildFirmware({
    ...o,
    sources: [...o.sources, { path: mainPath, group: 'harness' }],
    outDir: join(workDir, 'build'),
    defines: { ...(o.profile ?? true ? { EDGEQ_PROFILE: true } : {}), ...(o.defines ?? {}) },
  });
  const files = {
    input: o.inputFile ?? 'input.bin',
    output: o.outputFile ?? 'output.bin',
    summary: o.summaryFile ?? 'summary.json',
  };
  await writeFile(join(workDir, files.input), new Uint8Array(o.inputs.buffer, o.inputs.byteOffset, o.inputs.byteLength));
  const run = await runFirmwareOrThrow({ target: o.target, elf: build.elf, cwd: workDir, timeoutMs: o.timeoutMs, qemu: o.qemu });
  const outBytes = await readFile(join(workDir, files.output));
  const vectors = o.inputs.length / o.inputSize;
  if (outBytes.length !== vectors * o.outputSize) {
    throw new Error(`firmware wrote ${outBytes.length} output bytes, expected ${vectors} x ${o.outputSize}`);
  }
  const summary = parseFirmwareSummary(await readFile(join(workDir, files.summary), 'utf8'));
  return {
    build,
    run,
    outputs: new Int8Array(outBytes.buffer, outBytes.byteOffset, outBytes.length),
    profile: instructionProfile(summary, o.target.counter, o.opNames),
  };
}
