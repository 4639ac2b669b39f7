// Device parity: generates C for a QGraph, builds it with the firmware harness
// for an emulated Cortex-M core, runs every input vector (every graph input's bytes
// back to back) under QEMU and compares every output bit for bit with the integer
// interpreter. Also returns the
// instruction profile and the flash/RAM figures of that very firmware.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inputVectorBytes, type InputVector, type QGraph } from '@edgeq/ir';
import { writeFirmwareDir, type GenerateOptions, type GeneratedModel } from '@edgeq/codegen';
import { compareOutputs, parityLine, type ParityStats } from '../compare.js';
import { locateMismatches } from '../vector-outputs.js';
import type { FirmwareBuild } from './build.js';
import type { InstructionProfile } from './profile.js';
import { runModelOnTarget } from './run-model.js';
import { harnessVectorSizes } from './harness-vectors.js';
import { makeScratchDir, removeScratchDir } from '../scratch-dir.js';
import { interpreterOutputs } from '../expected-outputs.js';
import type { CortexMTarget } from './table.js';
import type { ToolchainOptions } from '../toolchain.js';

/** Options of {@link deviceParity}. */
export interface DeviceParityOptions extends ToolchainOptions {
  readonly target: CortexMTarget;
  /** Scratch directory (default: a temp dir removed afterwards). */
  readonly workDir?: string;
  readonly optimize?: 'O0' | 'O1' | 'O2' | 'O3' | 'Os';
  readonly stackSize?: number;
  /** Extra -D defines (e.g. to select a kernel path). */
  readonly defines?: Readonly<Record<string, string | number | true>>;
  /** Code generation options (e.g. `optimize: 'size'`). */
  readonly codegen?: GenerateOptions;
  /** QEMU timeout in ms (default: 60 s + 50 ms per vector). */
  readonly timeoutMs?: number;
  /** Worker threads of the interpreter's side (default: one per core when the run is long enough; 1: this thread). */
  readonly simulationWorkers?: number;
}

/** Outcome of a device parity run. */
export interface DeviceParityReport {
  readonly target: CortexMTarget;
  readonly stats: ParityStats;
  /** "parity: 1000/1000 bit-exact on Cortex-M4F (QEMU mps2-an386)". */
  readonly line: string;
  readonly profile: InstructionProfile;
  readonly build: FirmwareBuild;
  readonly model: GeneratedModel;
}

/**
 * Runs `inputs` through the generated firmware on `target` and compares every output
 * with the interpreter. Each input vector holds one tensor per graph input (a bare
 * tensor for a one-input graph); every graph input and output must be int8. Throws the typed build/run errors (toolchain, compile, RAM fit,
 * HardFault, exit, hang); a mismatch is reported in `stats`, not thrown.
 */
export async function deviceParity(g: QGraph, inputs: readonly InputVector[], o: DeviceParityOptions): Promise<DeviceParityReport> {
  const sizes = harnessVectorSizes(g);
  const inSize = sizes.inputSize;
  const outSize = sizes.outputSize;
  const ownDir = !o.workDir;
  const work = o.workDir ?? (await makeScratchDir(`edgeq-${o.target.id}-`));
  try {
    const fwDir = path.join(work, 'fw');
    const model = await writeFirmwareDir(g, fwDir, o.codegen);
    const runtimeDir = path.join(fwDir, 'runtime');
    const runtimeC = (await fs.readdir(runtimeDir)).filter((f) => f.endsWith('.c')).sort();
    const packed = new Uint8Array(inputs.length * inSize);
    inputs.forEach((x, i) => packed.set(inputVectorBytes(g, x, `input vector ${i}`), i * inSize));
    const r = await runModelOnTarget({
      ...o,
      sources: [
        { path: path.join(fwDir, `${model.fileBase}.c`), group: 'model' },
        ...runtimeC.map((f) => ({ path: path.join(runtimeDir, f), group: 'runtime' })),
      ],
      includeDirs: [fwDir, runtimeDir],
      prefix: model.prefix,
      modelHeader: `${model.fileBase}.h`,
      ...sizes,
      opNames: g.ops.map((op) => op.name),
      inputs: packed,
      workDir: path.join(work, `run-${o.target.id}`),
      arenaSymbol: `${model.prefix}_arena`,
      timeoutMs: o.timeoutMs ?? 60_000 + 50 * inputs.length,
    });
    const expected = await interpreterOutputs(g, inputs, { workers: o.simulationWorkers });
    const actual = inputs.map((_, v) => r.outputs.subarray(v * outSize, (v + 1) * outSize));
    const stats = locateMismatches(g, compareOutputs(expected, actual));
    return { target: o.target, stats, line: parityLine(stats, o.target.title), profile: r.profile, build: r.build, model };
  } finally {
    if (ownDir) await removeScratchDir(work);
  }
}
