// The host side of the serial agent protocol: numbered requests with a timeout
// and retries (resent on timeout or NAK; stale and duplicated replies are
// ignored by sequence number), model info, input upload, runs with optional
// per-layer streaming, and output download. A board that resets mid-run is
// noticed by its BOOT frame and the vector is run again from the upload.
import { FRAME, FrameDecoder, PROTOCOL_VERSION, RUN_PER_LAYER, encodeFrame, type Frame } from './frame.js';
import type { ByteTransport } from './transport.js';

/** What the agent reports about itself and its model (INFO). */
export interface AgentInfo {
  readonly protocolVersion: number;
  /** "dwt" (DWT CYCCNT), "systick" (SysTick from the core clock) or "none". */
  readonly counter: CounterKind;
  readonly maxPayload: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  readonly name: string;
  /** First 8 bytes of the graph's SHA-256, hex. */
  readonly graphHash: string;
  /** Core clock the firmware was built for, Hz. */
  readonly coreHz: number;
  /** Output bytes of each op, in execution order. */
  readonly opOutputBytes: readonly number[];
}

export type CounterKind = 'none' | 'dwt' | 'systick';
const COUNTERS: readonly CounterKind[] = ['none', 'dwt', 'systick'];

/** One inference on the board. */
export interface AgentRun {
  readonly output: Uint8Array;
  readonly cycles: number;
  readonly counter: CounterKind;
  /** Every op's output (per-layer runs only). */
  readonly layers?: readonly Uint8Array[];
}

/** Options of {@link AgentClient}. */
export interface AgentClientOptions {
  /** Resend a request after this long without a byte from the board (default 2,000 ms). */
  readonly timeoutMs?: number;
  /** Sends of one request before giving up (default 5). */
  readonly attempts?: number;
  /** Times one vector is restarted after the board resets (default 3). */
  readonly resetRetries?: number;
}

/** Base of the serial agent's errors; each subclass's name is its class name (the CLI maps names to exit codes). */
export class AgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** The agent did not answer (after all attempts), or the link closed. */
export class AgentTimeoutError extends AgentError {}
/** The agent answered with an ERROR frame or a malformed reply. */
export class AgentProtocolError extends AgentError {}
/** The board restarted (BOOT frame) while a request was outstanding. */
export class AgentResetError extends AgentError {}
/** The board serves a different model from the one being checked. */
export class AgentModelMismatchError extends AgentError {}

interface Pending {
  readonly seq: number;
  readonly replyType: number;
  readonly resolve: (f: Frame) => void;
  readonly reject: (e: Error) => void;
  readonly resend: () => void;
  /** Bytes arrived: the link is alive, restart the reply timer. */
  readonly alive: () => void;
  readonly onLayer?: (f: Frame) => void;
}

/** ERROR code: RUN before SET_INPUT since start-up (edgeq_agent.h). */
const AGENT_E_NO_INPUT = 5;
const u16 = (p: Uint8Array, at: number) => p[at] | (p[at + 1] << 8);
const u32 = (p: Uint8Array, at: number) => (u16(p, at) | (u16(p, at + 2) << 16)) >>> 0;

/** Parses an INFO reply payload (layout in edgeq_agent.h). */
export function parseAgentInfo(p: Uint8Array): AgentInfo {
  if (p.length < 28) throw new AgentProtocolError(`INFO reply of ${p.length} bytes is too short`);
  const numOps = u16(p, 12);
  const nameLength = p[14];
  if (p.length !== 28 + nameLength + 4 * numOps) {
    throw new AgentProtocolError(`INFO reply of ${p.length} bytes does not match ${numOps} ops and a ${nameLength}-byte name`);
  }
  return {
    protocolVersion: p[0],
    counter: COUNTERS[p[1]] ?? 'none',
    maxPayload: u16(p, 2),
    inputBytes: u32(p, 4),
    outputBytes: u32(p, 8),
    graphHash: Buffer.from(p.subarray(16, 24)).toString('hex'),
    coreHz: u32(p, 24),
    name: Buffer.from(p.subarray(28, 28 + nameLength)).toString('latin1'),
    opOutputBytes: Array.from({ length: numOps }, (_, i) => u32(p, 28 + nameLength + 4 * i)),
  };
}

/** Client of one agent over one transport. Requests go one at a time. */
export class AgentClient {
  private readonly decoder = new FrameDecoder(4096);
  private pending: Pending | undefined;
  private seq = 0;
  private closedReason: string | undefined;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly resetRetries: number;
  /** Counters of link trouble seen so far (for reports and tests). */
  readonly events = { resends: 0, naks: 0, damaged: 0, staleFrames: 0, boots: 0, restartedRuns: 0 };
  private infoCache: AgentInfo | undefined;

  constructor(private readonly transport: ByteTransport, o: AgentClientOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.attempts = o.attempts ?? 5;
    this.resetRetries = o.resetRetries ?? 3;
    transport.onData((chunk) => {
      this.pending?.alive();
      const before = this.decoder.damaged;
      for (const f of this.decoder.push(chunk)) this.dispatch(f);
      this.events.damaged += this.decoder.damaged - before;
    });
    transport.onClose((reason) => {
      this.closedReason = reason;
      this.pending?.reject(new AgentTimeoutError(`link to the board closed: ${reason}`));
    });
  }

  private dispatch(f: Frame): void {
    const p = this.pending;
    if (f.type === FRAME.boot) {
      this.events.boots++;
      this.infoCache = undefined;
      p?.reject(new AgentResetError(`the board on ${this.transport.description} restarted (BOOT frame) during a request`));
      return;
    }
    if (!p || f.seq !== p.seq) {
      this.events.staleFrames++;
      return;
    }
    if (f.type === FRAME.nak) {
      this.events.naks++;
      p.resend();
    } else if (f.type === FRAME.layer) {
      p.onLayer?.(f);
    } else if (f.type === p.replyType) {
      p.resolve(f);
    } else if (f.type === FRAME.error && f.payload[0] === AGENT_E_NO_INPUT) {
      this.events.boots++;
      p.reject(new AgentResetError(`the board on ${this.transport.description} lost its input (it restarted without a BOOT frame reaching the host)`));
    } else if (f.type === FRAME.error) {
      const message = Buffer.from(f.payload.subarray(1)).toString('latin1');
      p.reject(new AgentProtocolError(`board error ${f.payload[0] ?? '?'}: ${message}`));
    } else {
      this.events.staleFrames++;
    }
  }

  /** Sends one request and waits for its reply, resending on timeout or NAK. */
  async request(type: number, payload: Uint8Array, onLayer?: (f: Frame) => void, timeoutMs = this.timeoutMs): Promise<Frame> {
    if (this.closedReason) throw new AgentTimeoutError(`link to the board closed: ${this.closedReason}`);
    this.seq = (this.seq + 1) & 0xff;
    const seq = this.seq;
    const frame = encodeFrame(type, seq, payload);
    return new Promise<Frame>((resolve, reject) => {
      let sends = 0;
      let timer: NodeJS.Timeout | undefined;
      // However busy the link, one request never takes longer than this (a board streaming forever).
      const hardLimit = setTimeout(
        () => finish(new AgentTimeoutError(`request 0x${type.toString(16)} to the board on ${this.transport.description} did not complete within ${this.attempts * timeoutMs + 120_000} ms`)),
        this.attempts * timeoutMs + 120_000,
      );
      const finish = (e: Error | undefined, f?: Frame) => {
        clearTimeout(timer);
        clearTimeout(hardLimit);
        this.pending = undefined;
        if (e) reject(e);
        else resolve(f!);
      };
      const send = () => {
        clearTimeout(timer);
        if (sends >= this.attempts) {
          finish(new AgentTimeoutError(
            `no valid reply from the board on ${this.transport.description} to request 0x${type.toString(16)} after ${sends} attempts ` +
              `of ${timeoutMs} ms (is the agent firmware flashed and running, and the baud rate right?)`,
          ));
          return;
        }
        if (sends > 0) {
          this.events.resends++;
          // A NAK found there is moot: this is the resend.
          for (const f of this.decoder.resync()) if (f.type !== FRAME.nak) this.dispatch(f);
          if (this.pending?.seq !== seq) return; // a frame found there ended the request
        }
        sends++;
        this.transport.write(frame).catch((e: Error) => finish(e));
        timer = setTimeout(send, timeoutMs);
      };
      this.pending = {
        seq,
        replyType: type | FRAME.reply,
        resolve: (f) => finish(undefined, f),
        reject: (e) => finish(e),
        resend: send,
        alive: () => {
          clearTimeout(timer);
          timer = setTimeout(send, timeoutMs);
        },
        onLayer,
      };
      send();
    });
  }

  /** Model and agent info (INFO). */
  async info(): Promise<AgentInfo> {
    const f = await this.withResetRetry(() => this.request(FRAME.info, new Uint8Array(0)));
    const info = parseAgentInfo(f.payload);
    if (info.protocolVersion !== PROTOCOL_VERSION) {
      throw new AgentProtocolError(`the board speaks agent protocol ${info.protocolVersion}, this edgeq speaks ${PROTOCOL_VERSION}`);
    }
    this.infoCache = info;
    return info;
  }

  private async withResetRetry<T>(job: () => Promise<T>): Promise<T> {
    for (let restarts = 0; ; restarts++) {
      try {
        return await job();
      } catch (e) {
        if (!(e instanceof AgentResetError) || restarts >= this.resetRetries) throw e;
        this.events.restartedRuns++;
      }
    }
  }

  /**
   * Uploads `input`, runs one inference and downloads the output. With
   * `perLayer`, every op's output is streamed during the run (and the run is
   * repeated if any layer frame was lost). Restarted from the upload when the board resets.
   */
  async runVector(input: Uint8Array, perLayer = false): Promise<AgentRun> {
    const info = this.infoCache ?? (await this.info());
    if (input.length !== info.inputBytes) {
      throw new AgentProtocolError(`input of ${input.length} bytes, the board's model takes ${info.inputBytes}`);
    }
    return this.withResetRetry(async () => {
      const chunk = info.maxPayload - 4;
      for (let at = 0; at < input.length; at += chunk) {
        const part = input.subarray(at, Math.min(input.length, at + chunk));
        const p = new Uint8Array(4 + part.length);
        new DataView(p.buffer).setUint32(0, at, true);
        p.set(part, 4);
        await this.request(FRAME.setInput, p);
      }
      const { cycles, counter, layers } = await this.runOnce(info, perLayer);
      const output = new Uint8Array(info.outputBytes);
      for (let at = 0; at < output.length; at += info.maxPayload) {
        const n = Math.min(info.maxPayload, output.length - at);
        const p = new Uint8Array(6);
        new DataView(p.buffer).setUint32(0, at, true);
        new DataView(p.buffer).setUint16(4, n, true);
        const f = await this.request(FRAME.getOutput, p);
        if (f.payload.length !== n) throw new AgentProtocolError(`GET_OUTPUT returned ${f.payload.length} bytes, asked for ${n}`);
        output.set(f.payload, at);
      }
      return { output, cycles, counter, layers };
    });
  }

  private async runOnce(info: AgentInfo, perLayer: boolean): Promise<{ cycles: number; counter: CounterKind; layers?: Uint8Array[] }> {
    // Chunks are kept across attempts (the run is deterministic), so each repeat only has to fill the gaps.
    const layers = perLayer ? info.opOutputBytes.map((n) => new Uint8Array(n)) : undefined;
    const received = perLayer ? info.opOutputBytes.map(() => 0) : [];
    const seen = new Set<number>(); // op and offset of each chunk, so a duplicated frame counts once
    for (let attempt = 1; ; attempt++) {
      const onLayer = layers
        ? (f: Frame) => {
            const op = u16(f.payload, 0);
            const offset = u32(f.payload, 2);
            const data = f.payload.subarray(6);
            if (op >= layers.length || offset + data.length > layers[op].length || seen.has(op * 2 ** 32 + offset)) return;
            seen.add(op * 2 ** 32 + offset);
            layers[op].set(data, offset);
            received[op] += data.length;
          }
        : undefined;
      const f = await this.request(FRAME.run, Uint8Array.of(perLayer ? RUN_PER_LAYER : 0), onLayer);
      if (f.payload.length !== 10) throw new AgentProtocolError(`RUN reply of ${f.payload.length} bytes, expected 10`);
      const cycles = u32(f.payload, 2) + u32(f.payload, 6) * 2 ** 32;
      const counter = COUNTERS[f.payload[1]] ?? 'none';
      if (!layers || received.every((n, i) => n === layers[i].length)) return { cycles, counter, layers };
      // Each repeat only fills gaps, so a noisy link gets twice the attempts here.
      if (attempt >= 2 * this.attempts) {
        throw new AgentTimeoutError(`per-layer run: layer frames kept getting lost on ${this.transport.description} (${attempt} attempts)`);
      }
      this.events.restartedRuns++;
    }
  }

  async close(): Promise<void> {
    this.pending?.reject(new AgentTimeoutError('client closed'));
    await this.transport.close();
  }
}
