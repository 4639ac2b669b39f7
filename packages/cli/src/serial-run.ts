/**
 * `--port` runs of `edgeq parity` and `edgeq bench`: an optional `--flash-cmd` first, then
 * the serial parity agent on a flashed board (or QEMU's UART on a TCP socket / pty) through
 * @edgeq/harness's protocol client. Renders the per-layer table and the cycles line.
 */

import type { QGraph, TensorData } from '@edgeq/ir';
import type { SerialBenchReport, SerialParityReport } from '@edgeq/harness';
import { execa } from 'execa';
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

async function openPort(o: PortOptions) {
  if (o.flashCmd) await runFlashCommand(o.flashCmd);
  const { openTransport } = await import('@edgeq/harness');
  return openTransport(o.port, { baud: o.baud });
}

/** Parity of `inputs` on the board at `--port`. */
export async function serialParityRun(g: QGraph, inputs: TensorData[], o: PortOptions & { perLayer: boolean }, onVector?: (n: number) => void): Promise<SerialParityReport> {
  const { serialParity } = await import('@edgeq/harness');
  const transport = await openPort(o);
  return serialParity(g, inputs, transport, { perLayer: o.perLayer, onVector, timeoutMs: o.linkTimeout });
}

/** Cycles per inference on the board at `--port`. */
export async function serialBenchRun(g: QGraph, inputs: TensorData[], o: PortOptions): Promise<SerialBenchReport> {
  const { serialBench } = await import('@edgeq/harness');
  const transport = await openPort(o);
  return serialBench(g, inputs, transport, { timeoutMs: o.linkTimeout });
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
