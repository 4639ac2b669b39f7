// Starts agent firmware under qemu-system-arm with the board's UART routed to a
// TCP socket (QEMU listens; the host connects as it would open a serial port)
// or to a pseudo-terminal, plus an optional monitor socket to reset the board.
// This is how the serial path is exercised without hardware.
import net from 'node:net';
import { execa, type ResultPromise } from 'execa';
import type { CortexMTarget } from '../targets/table.js';
import { DEBIAN_PACKAGES, checkTool } from '../toolchain.js';

/** Options of {@link startAgentOnQemu}. */
export interface QemuAgentOptions {
  readonly target: CortexMTarget;
  readonly elf: string;
  /** "tcp" (default): QEMU listens on a free local port; "pty": a pseudo-terminal. */
  readonly serial?: 'tcp' | 'pty';
  /** Deterministic instruction-driven clock, -icount shift=0 (default true). */
  readonly icount?: boolean;
  /** Open a monitor socket so {@link QemuAgent.reset} works (default false). */
  readonly monitor?: boolean;
  /** Kill QEMU after this many ms whatever happens (default 120,000). */
  readonly lifetimeMs?: number;
  readonly qemu?: string;
}

/** A running emulated board. */
export interface QemuAgent {
  /** What to pass to `edgeq parity --port`: "tcp:127.0.0.1:PORT" or "/dev/pts/N". */
  readonly address: string;
  /** Presses the reset button (system_reset through the monitor). */
  reset(): Promise<void>;
  /** Stops QEMU (idempotent). */
  stop(): Promise<void>;
  /** QEMU's console (semihosting) and error output so far. */
  output(): string;
}

/** A TCP port free right now on 127.0.0.1. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts QEMU; resolves once the serial endpoint exists (the host may connect then). */
export async function startAgentOnQemu(o: QemuAgentOptions): Promise<QemuAgent> {
  const qemu = o.qemu ?? 'qemu-system-arm';
  await checkTool(qemu, DEBIAN_PACKAGES.qemu);
  const serialPort = o.serial === 'pty' ? undefined : await freeTcpPort();
  const monitorPort = o.monitor ? await freeTcpPort() : undefined;
  const args = [
    '-M', o.target.qemuMachine,
    '-display', 'none',
    // wait=off: the board boots at once, like a real one; its BOOT frame is lost if no one listens yet.
    '-serial', serialPort ? `tcp:127.0.0.1:${serialPort},server=on,wait=off,nodelay=on` : "pty",
    '-monitor', monitorPort ? `tcp:127.0.0.1:${monitorPort},server=on,wait=off` : 'none',
    '-chardev', 'stdio,id=semi,signal=off',
    '-semihosting-config', 'enable=on,target=native,chardev=semi',
    ...(o.icount ?? true ? ['-icount', 'shift=0'] : []),
    '-kernel', o.elf,
  ];
  const child: ResultPromise = execa(qemu, args, {
    reject: false,
    stdin: 'ignore',
    timeout: o.lifetimeMs ?? 120_000,
    killSignal: 'SIGKILL',
    buffer: false,
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  let exited = false;
  const done = child.then(() => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) child.kill('SIGKILL');
    await done;
  };
  let address: string;
  const deadline = Date.now() + 10_000;
  if (serialPort) {
    address = `tcp:127.0.0.1:${serialPort}`;
    // Wait until QEMU listens (probe connections are accepted and dropped by QEMU, harmless before the host connects).
    for (;;) {
      if (exited) throw new Error(`QEMU exited before listening on ${address}: ${text.trim()}`);
      const listening = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: serialPort });
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      if (listening) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`QEMU did not listen on ${address} within 10 s: ${text.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } else {
    for (;;) {
      const m = /char device redirected to (\/dev\/pts\/\d+)/.exec(text);
      if (m) {
        address = m[1];
        break;
      }
      if (exited || Date.now() > deadline) {
        await stop();
        throw new Error(`QEMU did not report its pty: ${text.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const reset = async () => {
    if (!monitorPort) throw new Error('reset needs the QEMU monitor: start with monitor: true');
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: monitorPort }, () => s.end('system_reset\n', () => resolve()));
      s.once('error', reject);
    });
  };
  return { address, reset, stop, output: () => text };
}
