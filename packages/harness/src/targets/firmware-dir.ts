// Writes a self-contained Cortex-M firmware directory for a QGraph: the
// generated model and runtime (codegen), the edgeq startup/semihosting/counter
// sources, the firmware harness main, one linker script per core, and a
// Makefile and CMakeLists.txt taking the core as a parameter, so users can
// build (and run under QEMU) without edgeq installed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { numElements, type QGraph } from '@edgeq/ir';
import { writeFirmwareDir, type GeneratedModel } from '@edgeq/codegen';
import {
  FIRMWARE_SUPPORT_HEADERS,
  FIRMWARE_SUPPORT_SOURCES,
  FIRMWARE_TEMPLATE_DIR,
  renderHarnessMain,
  renderLinkerScript,
} from './firmware-templates.js';
import { CORTEX_M_TARGET_IDS, getCortexMTarget, type CortexMTarget } from './table.js';
import { writeSerialAgentDir } from '../serial/agent-firmware.js';

/** Options of {@link writeDeviceFirmwareDir}. */
export interface DeviceFirmwareDirOptions {
  /** Core the Makefile/CMake build by default (default "cortex-m4"). */
  readonly defaultCore?: CortexMTarget['id'];
  /** Stack reservation per core in bytes (default: each target's). */
  readonly stackSize?: number;
  /** Also write the serial parity agent as harness/serial-agent/ (docs/serial-agent.md). */
  readonly serialAgent?: boolean;
}

async function render(name: string, ctx: object): Promise<string> {
  const text = await fs.readFile(path.join(FIRMWARE_TEMPLATE_DIR, name), 'utf8');
  return Handlebars.compile(text, { noEscape: true, strict: true })(ctx);
}

/**
 * Generates `dir` (replacing it): model sources and runtime from codegen, plus
 * `cortex-m/` (support sources, harness main, `ld/<core>.ld`), `Makefile` and
 * `CMakeLists.txt`. The harness reads input.bin and writes output.bin and
 * summary.json in the directory QEMU runs in.
 */
export async function writeDeviceFirmwareDir(g: QGraph, dir: string, o: DeviceFirmwareDirOptions = {}): Promise<GeneratedModel> {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) throw new Error(`${g.name}: the firmware harness supports one input and one output`);
  const model = await writeFirmwareDir(g, dir);
  const fwDir = path.join(dir, 'cortex-m');
  await fs.mkdir(path.join(fwDir, 'ld'), { recursive: true });
  for (const f of [...FIRMWARE_SUPPORT_SOURCES, ...FIRMWARE_SUPPORT_HEADERS]) {
    await fs.copyFile(f, path.join(fwDir, path.basename(f)));
  }
  await fs.writeFile(
    path.join(fwDir, 'harness_main.c'),
    renderHarnessMain({
      prefix: model.prefix,
      modelHeader: `${model.fileBase}.h`,
      inputSize: numElements(g.tensors[g.inputs[0]].shape),
      outputSize: numElements(g.tensors[g.outputs[0]].shape),
      opNames: g.ops.map((op) => op.name),
    }),
  );
  const cores = CORTEX_M_TARGET_IDS.map((id) => getCortexMTarget(id));
  for (const t of cores) {
    await fs.writeFile(path.join(fwDir, 'ld', `${t.id}.ld`), renderLinkerScript(t, o.stackSize ?? t.defaultStackSize));
  }
  const ctx = {
    prefix: model.prefix,
    modelSource: `${model.fileBase}.c`,
    defaultCore: o.defaultCore ?? 'cortex-m4',
    coreList: cores.map((t) => t.id).join(' '),
    cores: cores.map((t) => ({
      id: t.id,
      cpuFlags: t.cpuFlags.join(' '),
      qemuMachine: t.qemuMachine,
      tickNum: t.counter.instrPerTickNum,
      tickDen: t.counter.instrPerTickDen,
    })),
  };
  await fs.writeFile(path.join(dir, 'Makefile'), await render('Makefile.hbs', ctx));
  await fs.writeFile(path.join(dir, 'CMakeLists.txt'), await render('CMakeLists.txt.hbs', ctx));
  if (o.serialAgent) await writeSerialAgentDir(g, model, dir);
  return model;
}
