/**
 * `--port` runs of `edgeq parity` and `edgeq bench`: an optional `--flash-cmd` first, then
 * the serial parity agent on a flashed board (or QEMU's UART on a TCP socket / pty, or
 * `qemu:<target>`, which builds and boots the agent firmware itself) through
 * @edgeq/harness's protocol client. Renders the per-layer table and the cycles line.
 */

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InputVector, QGraph } from '@edgeq/ir';
import type { ByteTransport, SerialBenchReport, SerialParityReport } from '@edgeq/harness';
import { execa } from 'execa';
import { TARGET_IDS, parseTarget } from './targets.js';
import { textTable } from './output.js';
import { usageError } from './errors.js';

/** Link options shared by the `--port` commands. */
export interface PortOptions {
  port: string;
  baud?: number;
  flashCmd?: string;
  /** Per-request reply timeout in ms. */
  linkTimeout?: number;
}

/** Runs the user's flash command (through the shell); throws with its output when it fails. */
export async function runFlashCommand(command: string): Promise<void> {
  const r = await execa(command, { shell: true, reject: false, all: true, timeout: 300_000 });
  if (r.exitCode !== 0) throw usageError(`--flash-cmd failed (exit ${r.exitCode ?? r.signal}): ${command}\n${String(r.all ?? '').trim().split('\n').slice(-10).join('\n')}`);
}

/** An open link, and what to stop when done (QEMU for `qemu:<target>`). */
interface OpenPort {
  transport: ByteTransport;
  release(): Promise<void>;
}

/**
 * Opens `--port`. `qemu:<target>` (e.g. qemu:cortex-m4) builds the agent firmware for the model,
 * boots it under QEMU with its UART on a local TCP socket and connects there: the same serial
 * path a board takes, without a board.
 */
async function openPort(g: QGraph, o: PortOptions): Promise<OpenPort> {
  if (o.flashCmd) await runFlashCommand(o.flashCmd);
  const h = await import('@edgeq/harness');
  const emulated = /^qemu:(.+)$/.exec(o.port);
  if (!emulated) return { transport: await h.openTransport(o.port, { baud: o.baud }), release: async () => {} };
  const id = parseTarget(emulated[1], '--port qemu:');
  if (id === 'host') throw usageError(`--port ${o.port}: qemu: needs a Cortex-M target (${TARGET_IDS.filter((t) => t !== 'host').join(', ')})`);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-agent-'));
  try {
    const target = h.getCortexMTarget(id);
    const fw = await h.buildAgentFirmware(g, { target, workDir: work });
    const qemu = await h.startAgentOnQemu({ target, elf: fw.build.elf, lifetimeMs: 3_600_000 });
    const release = async () => {
      await qemu.stop();
      await fs.rm(work, { recursive: true, force: true });
    };
    try {
      const transport = await h.openTransport(qemu.address);
      return { transport: { ...transport, description: `${o.port} (QEMU ${target.qemuMachine}, UART on ${qemu.address})` }, release };
    } catch (e) {
      await release();
      throw e;
    }
  } catch (e) {
    await fs.rm(work, { recursive: true, force: true });
    throw e;
  }
}

/** Parity of `inputs` on the board at `--port`. */
export async function serialParityRun(g: QGraph, inputs: readonly InputVector[], o: PortOptions & { perLayer: boolean }, onVector?: (n: number) => void): Promise<SerialParityReport> {
  const { serialParity } = await import('@edgeq/harness');
  const link = await openPort(g, o);
  try {
    return await serialParity(g, inputs, link.transport, { perLayer: o.perLayer, onVector, timeoutMs: o.linkTimeout });
  } finally {
    await link.release();
  }
}

/** Cycles per inference on the board at `--port`. */
export async function serialBenchRun(g: QGraph, inputs: readonly InputVector[], o: PortOptions): Promise<SerialBenchReport> {
  const { serialBench } = await import('@edgeq/harness');
  const link = await openPort(g, o);
  try {
    return await serialBench(g, inputs, link.transport, { timeoutMs: o.linkTimeout });
  } finally {
    await link.release();
  }
}

/** The per-layer device-vs-simulation table. */
export function layerTable(r: SerialParityReport): string {
  const rows = (r.layers ?? []).map((l) => [
    String(l.opIndex),
    l.opName,
    l.opType,
    l.elements.toLocaleString('en-US'),
    l.mismatched.toLocaleString('en-US'),
    String(l.maxAbsDiff),
    l.maxAbsDiffReal === undefined ? '—' : l.maxAbsDiffReal.toPrecision(3),
  ]);
  return textTable(['#', 'layer', 'op', 'elements', 'differ', 'max |diff| LSB', 'max |diff| real'], rows);
}

/** "cycles: 24,824 per inference (SysTick, core clock 25 MHz)" and what the counter means. */
export function cyclesText(cycles: number, counter: string, coreHz: number): string {
  if (counter === 'none') return 'cycles: not measured (the agent has no cycle counter on this core)';
  const source = counter === 'dwt' ? 'DWT CYCCNT' : 'SysTick';
  return `cycles: ${cycles.toLocaleString('en-US')} per inference (${source}, core clock ${(coreHz / 1e6).toLocaleString('en-US')} MHz)`;
}
