// Builds the serial parity agent into firmware: renders the per-model binding
// (edgeq_agent_model.c: name, graph hash, sizes, trace hook), picks the UART
// port for the target board, and links agent + model + runtime + edgeq's
// startup with the harness's firmware build. Also writes the agent sources into
// a user's firmware directory (harness/serial-agent/).
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { numElements, qgraphDoc, type QGraph } from '@edgeq/ir';
import { writeFirmwareDir, type GeneratedModel } from '@edgeq/codegen';
import { buildFirmware, type FirmwareBuild } from '../targets/build.js';
import type { CortexMTarget } from '../targets/table.js';
import type { ToolchainOptions } from '../toolchain.js';

/** Absolute path of this package's templates/serial-agent (beside src/ and dist/). */
export const SERIAL_AGENT_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/serial-agent/', import.meta.url));

/** The agent's C sources (protocol engine, clock, every port; a port compiles only when its macro is set). */
export const SERIAL_AGENT_SOURCES: readonly string[] = [
  'edgeq_agent.c',
  'edgeq_agent_cycles.c',
  'edgeq_port_cmsdk_uart.c',
  'edgeq_port_nrf51_uart.c',
  'edgeq_port_stm32_hal.c',
];
/** The agent's headers. */
export const SERIAL_AGENT_HEADERS: readonly string[] = ['edgeq_agent.h', 'edgeq_agent_port.h'];
/** main() of the stand-alone QEMU agent firmware. */
export const SERIAL_AGENT_MAIN = 'edgeq_agent_main.c';

/** JSON with object keys sorted and undefined members dropped, so equal graphs hash equally however they were built. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * First 8 bytes (16 hex digits) of the SHA-256 of the graph's document in
 * canonical JSON (the document records its constants' SHA-256, so weights count).
 */
export function graphHash(g: QGraph): string {
  return createHash('sha256').update(canonicalJson(qgraphDoc(g))).digest('hex').slice(0, 16);
}

/** The UART port (and its defines) the agent uses on an emulated board. */
export function agentPortDefines(target: CortexMTarget): Record<string, string | number | true> {
  if (target.qemuMachine === 'microbit') return { EDGEQ_PORT_NRF51_UART: true };
  // MPS2 AN385/AN386/AN500 put UART0 at 0x40004000; AN505 (booting Secure) at 0x50200000.
  const base = target.qemuMachine === 'mps2-an505' ? '0x50200000u' : '0x40004000u';
  return { EDGEQ_PORT_CMSDK_UART: true, EDGEQ_CMSDK_UART_BASE: base };
}

let bindingTemplate: Handlebars.TemplateDelegate | undefined;

/** Renders edgeq_agent_model.c for a graph whose C was generated as `model`. */
export function renderAgentModel(g: QGraph, model: Pick<GeneratedModel, 'prefix' | 'fileBase'>): string {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) throw new Error(`${g.name}: the serial agent serves models with one input and one output`);
  const inT = g.tensors[g.inputs[0]];
  const outT = g.tensors[g.outputs[0]];
  if (inT.dtype !== 'int8' || outT.dtype !== 'int8') throw new Error(`${g.name}: the serial agent needs int8 input and output`);
  const name = g.name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64);
  // INFO must fit one frame of the default 1,024-byte payload: 28 fixed bytes, the name, 4 per op.
  if (28 + name.length + 4 * g.ops.length > 1024) throw new Error(`${g.name}: ${g.ops.length} ops are too many for the agent's INFO frame (at most ${Math.floor((1024 - 28 - name.length) / 4)})`);
  bindingTemplate ??= Handlebars.compile(readFileSync(path.join(SERIAL_AGENT_TEMPLATE_DIR, 'edgeq_agent_model.c.hbs'), 'utf8'), { noEscape: true, strict: true });
  const hash = graphHash(g);
  return bindingTemplate({
    prefix: model.prefix,
    modelHeader: `${model.fileBase}.h`,
    numOps: g.ops.length,
    numOpsOrOne: Math.max(1, g.ops.length),
    opOutputBytes: g.ops.map((op) => numElements(g.tensors[op.outputs[0]].shape)),
    opNames: g.ops.map((op) => op.name.replace(/[^A-Za-z0-9_.:\-[\] ]/g, '_')),
    inputSize: numElements(inT.shape),
    outputSize: numElements(outT.shape),
    name,
    hashBytes: Array.from({ length: 8 }, (_, i) => `0x${hash.slice(2 * i, 2 * i + 2)}u`).join(', '),
  });
}

/**
 * Writes the agent into a firmware directory as `<dir>/harness/serial-agent/`:
 * the agent sources and headers, its main for the QEMU boards, and the rendered
 * model binding. Build them with the model compiled with EDGEQ_TRACE, one
 * EDGEQ_PORT_* macro, and EDGEQ_AGENT_CORE_HZ (docs/serial-agent.md).
 */
export async function writeSerialAgentDir(g: QGraph, model: Pick<GeneratedModel, 'prefix' | 'fileBase'>, dir: string): Promise<string> {
  const out = path.join(dir, 'harness', 'serial-agent');
  await fs.mkdir(out, { recursive: true });
  for (const f of [...SERIAL_AGENT_SOURCES, ...SERIAL_AGENT_HEADERS, SERIAL_AGENT_MAIN]) {
    await fs.copyFile(path.join(SERIAL_AGENT_TEMPLATE_DIR, f), path.join(out, f));
  }
  await fs.writeFile(path.join(out, 'edgeq_agent_model.c'), renderAgentModel(g, model));
  return out;
}

/** Options of {@link buildAgentFirmware}. */
export interface BuildAgentFirmwareOptions extends ToolchainOptions {
  readonly target: CortexMTarget;
  /** Directory for generated sources and the build (created). */
  readonly workDir: string;
  readonly optimize?: 'O0' | 'O1' | 'O2' | 'O3' | 'Os';
}

/** A built agent firmware. */
export interface AgentFirmware {
  readonly build: FirmwareBuild;
  readonly model: GeneratedModel;
  /** Graph hash the firmware reports (see {@link graphHash}). */
  readonly graphHash: string;
}

/** Generates the model's C and builds the stand-alone agent firmware for an emulated board. */
export async function buildAgentFirmware(g: QGraph, o: BuildAgentFirmwareOptions): Promise<AgentFirmware> {
  const fwDir = path.join(o.workDir, 'fw');
  const model = await writeFirmwareDir(g, fwDir);
  const agentDir = await writeSerialAgentDir(g, model, fwDir);
  const runtimeDir = path.join(fwDir, 'runtime');
  const runtimeC = (await fs.readdir(runtimeDir)).filter((f) => f.endsWith('.c')).sort();
  const build = await buildFirmware({
    ...o,
    sources: [
      { path: path.join(fwDir, `${model.fileBase}.c`), group: 'model' },
      ...runtimeC.map((f) => ({ path: path.join(runtimeDir, f), group: 'runtime' })),
      ...[...SERIAL_AGENT_SOURCES, SERIAL_AGENT_MAIN, 'edgeq_agent_model.c'].map((f) => ({ path: path.join(agentDir, f), group: 'harness' })),
    ],
    includeDirs: [fwDir, runtimeDir, agentDir],
    outDir: path.join(o.workDir, 'build'),
    name: 'agent.elf',
    arenaSymbol: `${model.prefix}_arena`,
    defines: { EDGEQ_TRACE: true, EDGEQ_AGENT_CORE_HZ: `${o.target.counter.clockHz}u`, ...agentPortDefines(o.target) },
  });
  return { build, model, graphHash: graphHash(g) };
}
