// Byte transports the agent client speaks through: a TCP socket (QEMU's
// `-serial tcp:…,server`, or a network serial bridge) and a serial device (a
// board's USB serial port, or QEMU's `-serial pty`) through the serialport
// package. Addresses: "tcp:HOST:PORT" or a device path such as /dev/ttyACM0.
import net from 'node:net';

/** A bidirectional byte stream to an agent. */
export interface ByteTransport {
  /** Human-readable address, for messages. */
  readonly description: string;
  write(data: Uint8Array): Promise<void>;
  /** Registers the receiver of incoming bytes (one receiver). */
  onData(receiver: (chunk: Uint8Array) => void): void;
  /** Registers a callback for the link closing or failing. */
  onClose(callback: (reason: string) => void): void;
  close(): Promise<void>;
}

/** Options of {@link openTransport}. */
export interface OpenTransportOptions {
  /** Baud rate of a serial device (default 115200; ignored for TCP). */
  readonly baud?: number;
  /** Give up connecting after this many ms (default 5,000). */
  readonly connectTimeoutMs?: number;
}

/** Error opening or using the link to a board, with the address in the message. */
export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Parses "tcp:HOST:PORT"; undefined for anything else (a serial device path). */
export function parseTcpAddress(address: string): { host: string; port: number } | undefined {
  const m = /^tcp:(.+):(\d+)$/.exec(address);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port <= 0 || port > 65535) throw new TransportError(`${address}: port must be 1..65535`);
  return { host: m[1], port };
}

function connectOnce(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e) => {
      socket.destroy();
      reject(e);
    });
  });
}

/** Connects to HOST:PORT, retrying refused connections until the deadline (QEMU may still be starting). */
async function openTcp(host: string, port: number, timeoutMs: number): Promise<ByteTransport> {
  const description = `tcp:${host}:${port}`;
  const deadline = Date.now() + timeoutMs;
  let socket: net.Socket | undefined;
  for (;;) {
    try {
      socket = await connectOnce(host, port);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ECONNREFUSED' || Date.now() >= deadline) {
        throw new TransportError(`${description}: cannot connect (${(e as Error).message})`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const s = socket;
  s.setNoDelay(true);
  let closeCallback: ((reason: string) => void) | undefined;
  let closed = false;
  const closedBy = (reason: string) => {
    if (closed) return;
    closed = true;
    closeCallback?.(reason);
  };
  s.on('error', (e) => closedBy(`${description}: ${e.message}`));
  s.on('close', () => closedBy(`${description}: connection closed`));
  return {
    description,
    write: (data) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new TransportError(`${description}: connection closed`));
        s.write(data, (e) => (e ? reject(new TransportError(`${description}: ${e.message}`)) : resolve()));
      }),
    onData: (receiver) => s.on('data', (chunk: Buffer) => receiver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))),
    onClose: (callback) => {
      closeCallback = callback;
    },
    close: () =>
      new Promise((resolve) => {
        closed = true;
        if (s.destroyed) return resolve();
        s.once('close', () => resolve());
        s.destroy();
      }),
  };
}

/** Opens a serial device (raw, 8N1) with the serialport package, loaded only when needed. */
async function openSerial(path: string, baud: number): Promise<ByteTransport> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate: baud, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((e) => (e ? reject(new TransportError(`${path}: cannot open serial port (${e.message})`)) : resolve())),
  );
  let closeCallback: ((reason: string) => void) | undefined;
  let closed = false;
  port.on('error', (e: Error) => {
    if (!closed) closeCallback?.(`${path}: ${e.message}`);
  });
  port.on('close', () => {
    if (!closed) closeCallback?.(`${path}: serial port closed`);
    closed = true;
  });
  return {
    description: `${path} @ ${baud} baud`,
    write: (data) =>
      new Promise((resolve, reject) => {
        port.write(Buffer.from(data), (e) => (e ? reject(new TransportError(`${path}: ${e.message}`)) : resolve()));
      }),
    onData: (receiver) => port.on('data', (chunk: Buffer) => receiver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))),
    onClose: (callback) => {
      closeCallback = callback;
    },
    close: () =>
      new Promise((resolve) => {
        if (closed || !port.isOpen) return resolve();
        closed = true;
        port.close(() => resolve());
      }),
  };
}

/** Opens "tcp:HOST:PORT" or a serial device path. */
export async function openTransport(address: string, o: OpenTransportOptions = {}): Promise<ByteTransport> {
  const tcp = parseTcpAddress(address);
  if (tcp) return openTcp(tcp.host, tcp.port, o.connectTimeoutMs ?? 5000);
  if (!address) throw new TransportError('empty port address: give a serial device (e.g. /dev/ttyACM0) or tcp:HOST:PORT');
  return openSerial(address, o.baud ?? 115200);
}
