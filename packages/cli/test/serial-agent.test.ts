// The serial parity agent end to end on QEMU, the path a real board takes: agent
// firmware for mps2-an386 (Cortex-M4, UART on a TCP socket) and micro:bit
// (Cortex-M0, UART on a pseudo-terminal opened with serialport), driven by
// `edgeq parity --port` / `edgeq bench --port` as child processes. Also: a
// weight byte patched in the flashed ELF is located by --per-layer, a wrong
// model on the board is refused, and faults injected on the link (dropped,
// corrupted, duplicated frames; a board reset mid-run; a silent board) are
// recovered from or reported without hanging.
import { execa } from 'execa';
import { copyFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQGraph, mulberry32, saveQGraph, type QGraph } from '@edgeq/ir';
import {
  AgentModelMismatchError,
  AgentTimeoutError,
  buildAgentFirmware,
  getCortexMTarget,
  openTransport,
  serialParity,
  startAgentOnQemu,
  type AgentFirmware,
  type ByteTransport,
  type QemuAgent,
} from '@edgeq/harness';
import { loadModelAsQGraph } from '../src/inputs/model.js';
import { randomInputs } from '../src/parity-run.js';
import { edgeq, scratch } from './helpers.js';

// A small model (100-byte input) so 100 vectors cross the emulated UART in seconds.
const SPEC = JSON.parse(`{"name": "tinyagent", "input": [10, 10, 1], "layers": [
  {"type": "conv", "filters": 8, "kernel": 3, "stride": 1, "bn": true, "act": "relu6", "name": "conv1"},
  {"type": "dw", "kernel": 3, "stride": 1, "bn": true, "act": "relu6", "name": "dw2"},
  {"type": "conv", "filters": 8, "kernel": 1, "bn": true, "act": "relu6", "name": "pw2"},
  {"type": "gap", "name": "gap"}, {"type": "dense", "units": 4, "name": "dense"}, {"type": "softmax", "name": "softmax"}]}`);

const dir = scratch('serial-agent');
const modelFile = path.join(dir, 'tiny.qgraph.json');
const specFile = path.join(dir, 'tiny.json');
let graph: QGraph;
const firmware: Record<'cortex-m4' | 'cortex-m0', AgentFirmware> = {} as never;
const running: QemuAgent[] = [];

async function boot(id: 'cortex-m4' | 'cortex-m0', o: { serial?: 'tcp' | 'pty'; elf?: string; monitor?: boolean } = {}): Promise<QemuAgent> {
  const q = await startAgentOnQemu({ target: getCortexMTarget(id), elf: o.elf ?? firmware[id].build.elf, serial: o.serial, monitor: o.monitor, lifetimeMs: 100_000 });
  running.push(q);
  return q;
}

/** Reads a symbol's file offset in an ELF from nm (address) and readelf (section address and offset). */
async function symbolFileOffset(elf: string, symbol: string): Promise<number> {
  const nm = (await execa('arm-none-eabi-nm', [elf])).stdout;
  const address = parseInt(new RegExp(`^([0-9a-f]+) \\w ${symbol}$`, 'm').exec(nm)![1], 16);
  const sections = (await execa('arm-none-eabi-readelf', ['-S', '-W', elf])).stdout;
  for (const m of sections.matchAll(/\]\s+\S+\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/g)) {
    const [addr, off, size] = [m[1], m[2], m[3]].map((h) => parseInt(h, 16));
    if (address >= addr && address < addr + size && addr + size > 0) return address - addr + off;
  }
  throw new Error(`${symbol} is in no PROGBITS section of ${elf}`);
}

beforeAll(async () => {
  await (await import('node:fs/promises')).writeFile(specFile, JSON.stringify(SPEC));
  await saveQGraph((await loadModelAsQGraph(specFile, {}, 3)).graph, modelFile);
  graph = await loadQGraph(modelFile);
  const [m4, m0] = await Promise.all(
    (['cortex-m4', 'cortex-m0'] as const).map((id) => buildAgentFirmware(graph, { target: getCortexMTarget(id), workDir: path.join(dir, id) })),
  );
  firmware['cortex-m4'] = m4;
  firmware['cortex-m0'] = m0;
});

afterAll(async () => {
  await Promise.all(running.map((q) => q.stop()));
});

describe('edgeq parity --port against the agent on QEMU', () => {
  it('Cortex-M4 (mps2-an386, UART on TCP): 100 vectors bit-exact, and bench --port reports the agent\'s cycles', async () => {
    const q = await boot('cortex-m4');
    const r = await edgeq(['parity', modelFile, '--port', q.address, '--random', '100', '--json'], dir);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    console.log(`cortex-m4 agent: ${doc.line}; ${doc.cyclesPerInference} cycles (${doc.counter})`);
    expect(r.exitCode).toBe(0);
    expect(doc.stats).toMatchObject({ vectors: 100, exactVectors: 100 });
    expect(doc.board.name).toBe('tinyagent');
    expect(doc.counter).toBe('systick');
    const b = await edgeq(['bench', modelFile, '--port', q.address, '--runs', '5'], dir);
    expect(b.exitCode).toBe(0);
    // SysTick at the board's 25 MHz under -icount shift=0 ticks once per 40 instructions: a positive, run-independent count.
    const m = /cycles: ([\d,]+) per inference \(SysTick, core clock 25 MHz\) · min ([\d,]+) · max ([\d,]+)/.exec(b.stdout);
    expect(m, b.stdout).not.toBeNull();
    expect(Number(m![1].replace(/,/g, ''))).toBeGreaterThan(0);
  });

  it('Cortex-M0 (micro:bit, nRF51 UART on a pty): 100 vectors bit-exact, every layer bit-exact', async () => {
    const q = await boot('cortex-m0', { serial: 'pty' });
    expect(q.address).toMatch(/^\/dev\/pts\/\d+$/);
    const r = await edgeq(['parity', modelFile, '--port', q.address, '--random', '100', '--per-layer'], dir);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/parity: 100\/100 bit-exact on board at \/dev\/pts\/\d+ @ 115200 baud/);
    expect(r.stdout).toContain('every layer bit-exact');
    for (const op of graph.ops) expect(r.stdout).toContain(op.name);
  });

  it('--per-layer names the layer whose weights were corrupted in the flashed image', async () => {
    const elf = path.join(dir, 'corrupt.elf');
    await copyFile(firmware['cortex-m4'].build.elf, elf);
    const prefix = firmware['cortex-m4'].model.prefix;
    const at = await symbolFileOffset(elf, `${prefix}_weights_pw2`);
    const fs = await import('node:fs/promises');
    const bytes = await fs.readFile(elf);
    bytes[at] ^= 0x40; // one constant byte of op #2 (pw2): its first weight changes by 64
    await fs.writeFile(elf, bytes);
    const q = await boot('cortex-m4', { elf });
    const r = await edgeq(['parity', modelFile, '--port', q.address, '--random', '10', '--per-layer'], dir);
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toMatch(/first differing layer: #2 pw2 \(CONV_2D\), vector \d+, element \d+: expected -?\d+, got -?\d+/);
    expect(r.stdout).toMatch(/\n\s*0\s+conv1\s+CONV_2D\s+800\s+0\s+0\s/);
  });

  it('refuses a board that serves another model, naming both', async () => {
    const q = await boot('cortex-m0');
    // Same spec, other weight seed: same shapes, different graph hash.
    const r = await edgeq(['parity', specFile, '--seed', '4', '--port', q.address, '--random', '3'], dir);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/serves model "tinyagent" \(graph hash [0-9a-f]{16}, 100 B in, 4 B out, 6 ops\), not "tinyagent" \(graph hash [0-9a-f]{16}\): flash the agent firmware/);
  });
});

/** Wraps a transport with faults: host frames (one write = one frame) and device bytes pass through `hostFault` / `deviceFault`. */
function faulty(inner: ByteTransport, hostFault: (frame: Uint8Array, n: number) => Uint8Array[], deviceFault?: (chunk: Uint8Array) => Uint8Array): ByteTransport {
  let frames = 0;
  return {
    description: `${inner.description} (faults injected)`,
    async write(data) {
      for (const part of hostFault(data, frames++)) await inner.write(part);
    },
    onData(receiver) {
      inner.onData((chunk) => {
        receiver(deviceFault ? deviceFault(chunk) : chunk);
      });
    },
    onClose: (cb) => inner.onClose(cb),
    close: () => inner.close(),
  };
}

describe('faults on the link (Cortex-M4 agent)', () => {
  const inputs = () => randomInputs(graph, 15, 9);
  const run = async (wrap: (t: ByteTransport) => ByteTransport, during?: (q: QemuAgent) => void) => {
    const q = await boot('cortex-m4', { monitor: true });
    const transport = wrap(await openTransport(q.address));
    during?.(q);
    return serialParity(graph, inputs(), transport, { timeoutMs: 1000, perLayer: true });
  };

  it('dropped host frames are resent after the timeout', async () => {
    const r = await run((t) => faulty(t, (f, n) => (n % 7 === 4 && n < 45 ? [] : [f])));
    expect(r.stats.exactVectors).toBe(15);
    expect(r.linkEvents.resends).toBeGreaterThanOrEqual(6);
    expect(r.firstDifferingOp).toBeUndefined();
  });

  it('corrupted host frames are NAKed by the agent and resent', async () => {
    const r = await run((t) => faulty(t, (f, n) => {
      if (n % 7 !== 3) return [f];
      const bad = f.slice();
      bad[bad.length - 3] ^= 0x10; // a payload (or header) byte: the CRC no longer matches
      return [bad];
    }));
    expect(r.stats.exactVectors).toBe(15);
    expect(r.linkEvents.naks).toBeGreaterThanOrEqual(5);
  });

  it('duplicated host frames give stale replies that are ignored', async () => {
    const r = await run((t) => faulty(t, (f) => [f, f]));
    expect(r.stats.exactVectors).toBe(15);
    expect(r.linkEvents.staleFrames).toBeGreaterThan(15);
  });

  it('corrupted and lost bytes from the board are detected by the CRC and the exchange repeated', async () => {
    // Line noise: each byte from the board is flipped with probability 1/2000 and lost with 1/4000 (seeded).
    const noise = mulberry32(21);
    const r = await run((t) => faulty(t, (f) => [f], (chunk) => {
      const out: number[] = [];
      for (const byte of chunk) {
        const u = noise();
        if (u < 1 / 4000) continue;
        out.push(u < 1 / 4000 + 1 / 2000 ? byte ^ 0xff : byte);
      }
      return Uint8Array.from(out);
    }));
    expect(r.stats.exactVectors).toBe(15);
    expect(r.linkEvents.damaged).toBeGreaterThan(0);
    expect(r.layers!.every((l) => l.mismatched === 0)).toBe(true);
  });

  it('a board reset mid-run is noticed (BOOT frame) and the vector is run again', async () => {
    let client: QemuAgent | undefined;
    const r = await run((t) => faulty(t, (f, n) => {
      if (n === 20 || n === 35) void client!.reset();
      return [f];
    }), (q) => (client = q));
    expect(r.stats.exactVectors).toBe(15);
    expect(r.linkEvents.boots).toBeGreaterThanOrEqual(1);
  });

  it('a silent board ends in a clear timeout, not a hang', async () => {
    const server = net.createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    const t0 = Date.now();
    const error = await serialParity(graph, inputs(), await openTransport(`tcp:127.0.0.1:${port}`), { timeoutMs: 200, attempts: 3 }).catch((e: Error) => e);
    server.close();
    expect(error).toBeInstanceOf(AgentTimeoutError);
    expect((error as Error).message).toMatch(/no valid reply from the board on tcp:127\.0\.0\.1:\d+ to request 0x1 after 3 attempts of 200 ms/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('the harness refuses a board with another model before running anything', async () => {
    const other = (await loadModelAsQGraph(specFile, {}, 5)).graph;
    const q = await boot('cortex-m4');
    const error = await serialParity(other, randomInputs(other, 2, 1), await openTransport(q.address)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(AgentModelMismatchError);
  });
});
