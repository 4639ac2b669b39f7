// Writes a self-contained Cortex-M firmware directory for a QGraph, laid out as
//   src/            the library a user copies: generated model + int8 runtime (codegen), no main
//   harness/qemu/   the QEMU semihosting harness: main, startup/vector table, counter, ld/<core>.ld
//   Makefile, CMakeLists.txt, cmake/   builds: the harness firmware, and a CMake library target
// and, on request, integration files (Arduino library, PlatformIO library.json, Zephyr module)
// that all point at src/. Users build (and run under QEMU) without edgeq installed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { graphInputs, graphOutputs, type BoundaryTensor, type QGraph } from '@edgeq/ir';
import { writeFirmwareDir, type GeneratedModel } from '@edgeq/codegen';
import {
  FIRMWARE_SUPPORT_HEADERS,
  FIRMWARE_SUPPORT_SOURCES,
  FIRMWARE_TEMPLATE_DIR,
  renderHarnessMain,
  renderLinkerScript,
} from './firmware-templates.js';
import { harnessVectorSizes } from './harness-vectors.js';
import { CORTEX_M_TARGET_IDS, getCortexMTarget, type CortexMTarget } from './table.js';
import { writeSerialAgentDir } from '../serial/agent-firmware.js';

/** Where each part of the directory lives (relative paths). */
export const FIRMWARE_LAYOUT = {
  /** The library: model sources and the runtime, one flat directory (no main, no startup). */
  library: 'src',
  /** The QEMU semihosting harness (main, startup and vector table, counter, linker scripts). */
  qemuHarness: 'harness/qemu',
  /** Reserved for the UART parity agent harness. */
  serialAgentHarness: 'harness/serial-agent',
} as const;

/** Integration files {@link writeDeviceFirmwareDir} can add. */
export const FIRMWARE_INTEGRATIONS = ['arduino', 'platformio', 'zephyr'] as const;
export type FirmwareIntegration = (typeof FIRMWARE_INTEGRATIONS)[number];

/** Options of {@link writeDeviceFirmwareDir}. */
export interface DeviceFirmwareDirOptions {
  /** Core the Makefile/CMake build by default (default "cortex-m4"). */
  readonly defaultCore?: CortexMTarget['id'];
  /** Stack reservation per core in bytes (default: each target's). */
  readonly stackSize?: number;
  /** C identifier prefix of the model API (default: the model name, lower case). */
  readonly prefix?: string;
  /** What the specialised kernels trade (codegen GenerateOptions.optimize, default speed). */
  readonly optimize?: 'speed' | 'size';
  /** Integration files to add (default none). */
  readonly integrations?: readonly FirmwareIntegration[];
  /** Version written into library.properties / library.json (default "1.0.0"). */
  readonly libraryVersion?: string;
  /** URL written into library.properties / library.json (default edgeq's npm page). */
  readonly libraryUrl?: string;
  /** Also write the serial parity agent as harness/serial-agent/ (docs/serial-agent.md; default false). */
  readonly serialAgent?: boolean;
}

/** The generated model, plus the directory's top-level entries (directories end in `/`). */
export interface DeviceFirmwareDir extends GeneratedModel {
  readonly entries: string[];
}

/** Arduino sketch written by the `arduino` integration, under examples/<name>/<name>.ino. */
export const ARDUINO_EXAMPLE_NAME = 'RunModel';
/** Arduino architectures the library declares: the Arm Cortex-M cores (the runtime is tested there). */
const ARDUINO_ARCHITECTURES = 'samd,sam,mbed_nano,mbed_portenta,renesas_uno,rp2040,stm32,nrf52';

async function render(name: string, ctx: object): Promise<string> {
  const text = await fs.readFile(path.join(FIRMWARE_TEMPLATE_DIR, name), 'utf8');
  return Handlebars.compile(text, { noEscape: true, strict: true })(ctx);
}

async function writeRendered(dir: string, file: string, template: string, ctx: object): Promise<void> {
  await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await fs.writeFile(path.join(dir, file), await render(template, ctx));
}

/** One model input or output as the build files document it (input.bin / output.bin layout). */
function tensorFacts(b: BoundaryTensor) {
  return {
    position: b.position,
    name: b.name,
    bytes: b.bytes,
    shape: b.shape.join(', '),
    scale: b.quant ? String(b.quant.scale[0]) : '1',
    zeroPoint: b.quant ? b.quant.zeroPoint[0] : 0,
  };
}

/**
 * Generates `dir` (replacing it whole, atomically) in the layout of {@link FIRMWARE_LAYOUT}.
 * The harness reads input.bin and writes output.bin and summary.json in the directory QEMU
 * runs in.
 */
export async function writeDeviceFirmwareDir(g: QGraph, dir: string, o: DeviceFirmwareDirOptions = {}): Promise<DeviceFirmwareDir> {
  const integrations = new Set(o.integrations ?? []);
  const entries = [`${FIRMWARE_LAYOUT.library}/`, 'harness/', 'cmake/', 'Makefile', 'CMakeLists.txt'];
  const model = await writeFirmwareDir(g, dir, {
    prefix: o.prefix,
    optimize: o.optimize,
    libraryDir: FIRMWARE_LAYOUT.library,
    runtimeDir: '.',
    hostHarness: false,
    addFiles: async (tmp, model) => {
      const sizes = harnessVectorSizes(g);
      await writeQemuHarness(g, path.join(tmp, FIRMWARE_LAYOUT.qemuHarness), model, o.stackSize);
      const cores = CORTEX_M_TARGET_IDS.map((id) => getCortexMTarget(id));
      const ctx = {
        prefix: model.prefix,
        PREFIX: model.prefix.toUpperCase(),
        modelHeader: `${model.fileBase}.h`,
        libraryDir: FIRMWARE_LAYOUT.library,
        qemuHarnessDir: FIRMWARE_LAYOUT.qemuHarness,
        defaultCore: o.defaultCore ?? 'cortex-m4',
        coreList: cores.map((t) => t.id).join(' '),
        cores: cores.map((t) => ({
          id: t.id,
          cpuFlags: t.cpuFlags.join(' '),
          qemuMachine: t.qemuMachine,
          tickNum: t.counter.instrPerTickNum,
          tickDen: t.counter.instrPerTickDen,
        })),
        inputBytes: sizes.inputSize,
        outputBytes: sizes.outputSize,
        inputs: graphInputs(g).map(tensorFacts),
        outputs: graphOutputs(g).map(tensorFacts),
      };
      await writeRendered(tmp, 'Makefile', 'Makefile.hbs', ctx);
      await writeRendered(tmp, 'CMakeLists.txt', 'CMakeLists.txt.hbs', ctx);
      await fs.mkdir(path.join(tmp, 'cmake'));
      await fs.copyFile(path.join(FIRMWARE_TEMPLATE_DIR, 'arm-none-eabi-gcc.cmake'), path.join(tmp, 'cmake', 'arm-none-eabi-gcc.cmake'));
      if (o.serialAgent) await writeSerialAgentDir(g, model, tmp);
      entries.push(...(await writeIntegrations(tmp, g, model, integrations, o)));
    },
  });
  return { ...model, entries };
}

async function writeQemuHarness(
  g: QGraph,
  harnessDir: string,
  model: GeneratedModel,
  stackSize: number | undefined,
): Promise<void> {
  await fs.mkdir(path.join(harnessDir, 'ld'), { recursive: true });
  for (const f of [...FIRMWARE_SUPPORT_SOURCES, ...FIRMWARE_SUPPORT_HEADERS]) {
    await fs.copyFile(f, path.join(harnessDir, path.basename(f)));
  }
  await fs.writeFile(
    path.join(harnessDir, 'harness_main.c'),
    renderHarnessMain({ prefix: model.prefix, modelHeader: `${model.fileBase}.h`, ...harnessVectorSizes(g), opNames: g.ops.map((op) => op.name) }),
  );
  for (const id of CORTEX_M_TARGET_IDS) {
    const t = getCortexMTarget(id);
    await fs.writeFile(path.join(harnessDir, 'ld', `${t.id}.ld`), renderLinkerScript(t, stackSize ?? t.defaultStackSize));
  }
}

/** Writes the requested integration files into `tmp`; returns the top-level entries added. */
async function writeIntegrations(
  tmp: string,
  g: QGraph,
  model: GeneratedModel,
  integrations: ReadonlySet<FirmwareIntegration>,
  o: DeviceFirmwareDirOptions,
): Promise<string[]> {
  if (integrations.size === 0) return [];
  const libraryName = `edgeq_${model.prefix}`;
  const version = o.libraryVersion ?? '1.0.0';
  const url = o.libraryUrl ?? 'https://www.npmjs.com/package/@edgeq/cli';
  // One line of plain text: library.properties has no escapes.
  const modelName = g.name.replace(/[^A-Za-z0-9_.:-]/g, '_');
  const sources = (await fs.readdir(path.join(tmp, FIRMWARE_LAYOUT.library))).filter((f) => f.endsWith('.c')).sort();
  const ctx = {
    prefix: model.prefix,
    PREFIX: model.prefix.toUpperCase(),
    KCONFIG: `EDGEQ_${model.prefix.toUpperCase()}`,
    fileBase: model.fileBase,
    libraryName,
    libraryDir: FIRMWARE_LAYOUT.library,
    modelName,
    version,
    url,
    architectures: ARDUINO_ARCHITECTURES,
    numOps: model.ops.length,
    arenaBytes: model.plan.arenaBytes,
    constBytes: model.constBytes,
    exampleName: ARDUINO_EXAMPLE_NAME,
    sources,
  };
  const added: string[] = [];
  if (integrations.has('arduino') || integrations.has('platformio')) {
    // PlatformIO builds Arduino-style examples too; both use the same sketch.
    await writeRendered(tmp, `examples/${ARDUINO_EXAMPLE_NAME}/${ARDUINO_EXAMPLE_NAME}.ino`, 'integrations/example.ino.hbs', ctx);
    added.push('examples/');
  }
  if (integrations.has('arduino')) {
    await writeRendered(tmp, 'library.properties', 'integrations/library.properties.hbs', ctx);
    added.push('library.properties');
  }
  if (integrations.has('platformio')) {
    const manifest = {
      name: libraryName,
      version,
      description: `Int8 inference of the model ${modelName}, generated by edgeq (model and C99 int8 runtime).`,
      keywords: ['edgeq', 'int8', 'inference', 'tinyml'],
      authors: [{ name: 'edgeq' }],
      homepage: url,
      frameworks: '*',
      platforms: '*',
      build: { srcDir: FIRMWARE_LAYOUT.library, includeDir: FIRMWARE_LAYOUT.library },
      export: { exclude: ['build', 'build-*', 'harness', 'zephyr'] },
      examples: [{ name: ARDUINO_EXAMPLE_NAME, base: `examples/${ARDUINO_EXAMPLE_NAME}`, files: [`${ARDUINO_EXAMPLE_NAME}.ino`] }],
    };
    await fs.writeFile(path.join(tmp, 'library.json'), JSON.stringify(manifest, null, 2) + '\n');
    added.push('library.json');
  }
  if (integrations.has('zephyr')) {
    for (const f of ['module.yml', 'CMakeLists.txt', 'Kconfig']) await writeRendered(tmp, `zephyr/${f}`, `integrations/zephyr/${f}.hbs`, ctx);
    added.push('zephyr/');
  }
  return added;
}
