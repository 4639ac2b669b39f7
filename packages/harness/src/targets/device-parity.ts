// Device parity: generates C for a QGraph, builds it with the firmware harness
// for an emulated Cortex-M core, runs every input vector under QEMU and compares
// each output bit for bit with the integer interpreter. Also returns the
// instruction profile and the flash/RAM figures of that very firmware.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { numElements, type QGraph, type TensorData } from '@edgeq/ir';
import { writeFirmwareDir, type GeneratedModel } from '@edgeq/codegen';
import { compareOutputs, parityLine, type ParityStats } from '../compare.js';
import type { FirmwareBuild } from './build.js';
import type { InstructionProfile } from './profile.js';
import { runModelOnTarget } from './run-model.js';
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
  /** QEMU timeout in ms (default: 60 s + 50 ms per vector). */
  readonly timeoutMs?: number;
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

function bytesOf(t: TensorData): Uint8Array {
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

/**
 * Runs `inputs` through the generated firmware on `target` and compares with the
 * interpreter. Throws the typed build/run errors (toolchain, compile, RAM fit,
 * HardFault, exit, hang); a mismatch is reported in `stats`, not thrown.
 */
export async function deviceParity(g: QGraph, inputs: readonly TensorData[], o: DeviceParityOptions): Promise<DeviceParityReport> {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) throw new Error(`${g.name}: device parity supports one input and one output`);
  const inT = g.tensors[g.inputs[0]];
  const outT = g.tensors[g.outputs[0]];
  if (inT.dtype !== 'int8' || outT.dtype !== 'int8') throw new Error(`${g.name}: device parity needs int8 input and output`);
  const inSize = numElements(inT.shape);
  const outSize = numElements(outT.shape);
  const ownDir = !o.workDir;
  const work = o.workDir ?? (await makeScratchDir(`edgeq-${o.target.id}-`));
  try {
    const fwDir = path.join(work, 'fw');
    const model = await writeFirmwareDir(g, fwDir);
    const runtimeDir = path.join(fwDir, 'runtime');
    const runtimeC = (await fs.readdir(runtimeDir)).filter((f) => f.endsWith('.c')).sort();
    const packed = new Uint8Array(inputs.length * inSize);
    inputs.forEach((x, i) => {
      if (x.byteLength !== inSize) throw new Error(`input ${i} has ${x.byteLength} bytes, the model takes ${inSize}`);
      packed.set(bytesOf(x), i * inSize);
    });
    const r = await runModelOnTarget({
      ...o,
      sources: [
        { path: path.join(fwDir, `${model.fileBase}.c`), group: 'model' },
        ...runtimeC.map((f) => ({ path: path.join(runtimeDir, f), group: 'runtime' })),
      ],
      includeDirs: [fwDir, runtimeDir],
      prefix: model.prefix,
      modelHeader: `${model.fileBase}.h`,
      inputSize: inSize,
      outputSize: outSize,
      opNames: g.ops.map((op) => op.name),
      inputs: packed,
      workDir: path.join(work, `run-${o.target.id}`),
      arenaSymbol: `${model.prefix}_arena`,
      timeoutMs: o.timeoutMs ?? 60_000 + 50 * inputs.length,
    });
    const expected = await interpreterOutputs(g, inputs);
    const actual = inputs.map((_, v) => r.outputs.subarray(v * outSize, (v + 1) * outSize));
    const stats = compareOutputs(expected, actual);
    return { target: o.target, stats, line: parityLine(stats, o.target.title), profile: r.profile, build: r.build, model };
  } finally {
    if (ownDir) await removeScratchDir(work);
  }
}
