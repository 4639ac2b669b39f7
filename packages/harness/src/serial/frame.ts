// The serial agent's wire format on the host side (the device side is
// templates/serial-agent/edgeq_agent.c): CRC-16/CCITT-FALSE, frame encoding, and
// a streaming decoder that finds frames in a byte stream, drops damaged ones
// and resynchronises on the next 'E' 'Q'. Used by the protocol client.

/** Frame types (requests; a reply is the request type | REPLY). Mirror of edgeq_agent.h. */
export const FRAME = {
  info: 0x01,
  setInput: 0x02,
  run: 0x03,
  getOutput: 0x04,
  reply: 0x80,
  layer: 0x90,
  boot: 0xb0,
  nak: 0xfe,
  error: 0xff,
} as const;

/** RUN flag: stream every op's output as LAYER frames. */
export const RUN_PER_LAYER = 0x01;
/** Protocol version this host speaks. */
export const PROTOCOL_VERSION = 1;
const SYNC0 = 0x45; // 'E'
const SYNC1 = 0x51; // 'Q'
const HEADER_BYTES = 6;
/** Largest payload the decoder accepts (a device announces its own, at most this). */
export const MAX_FRAME_PAYLOAD = 0xffff;

/** One decoded frame. */
export interface Frame {
  readonly type: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

/**
 * CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no
 * final XOR (check value 0x29B1 for the ASCII bytes "123456789").
 */
export function crc16(data: Uint8Array, crc = 0xffff): number {
  for (const byte of data) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Encodes one frame: 'E' 'Q', type, seq, u16 length, payload, u16 CRC (little-endian). */
export function encodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new Error(`frame payload of ${payload.length} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  const out = new Uint8Array(HEADER_BYTES + payload.length + 2);
  out.set([SYNC0, SYNC1, type & 0xff, seq & 0xff, payload.length & 0xff, payload.length >> 8]);
  out.set(payload, HEADER_BYTES);
  const crc = crc16(out.subarray(2, HEADER_BYTES + payload.length));
  out[HEADER_BYTES + payload.length] = crc & 0xff;
  out[HEADER_BYTES + payload.length + 1] = crc >> 8;
  return out;
}

/**
 * Streaming frame decoder: feed it bytes as they arrive; it returns the intact
 * frames and counts the damaged ones (bad CRC, length over `maxPayload`).
 * Bytes before a sync pair, and a damaged frame's sync pair, are skipped.
 */
export class FrameDecoder {
  private buffer = new Uint8Array(0);
  /** Frames dropped because their CRC or length was wrong. */
  damaged = 0;

  constructor(private readonly maxPayload = MAX_FRAME_PAYLOAD) {}

  /** Adds received bytes and returns every complete, intact frame found. */
  push(chunk: Uint8Array): Frame[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const frames: Frame[] = [];
    let at = 0;
    while (at + 1 < joined.length) {
      if (joined[at] !== SYNC0 || joined[at + 1] !== SYNC1) {
        at++;
        continue;
      }
      if (joined.length - at < HEADER_BYTES) break;
      const length = joined[at + 4] | (joined[at + 5] << 8);
      if (length > this.maxPayload) {
        this.damaged++;
        at++;
        continue;
      }
      const end = at + HEADER_BYTES + length + 2;
      if (joined.length < end) break;
      const crc = joined[end - 2] | (joined[end - 1] << 8);
      if (crc16(joined.subarray(at + 2, end - 2)) !== crc) {
        this.damaged++;
        at++;
        continue;
      }
      frames.push({ type: joined[at + 2], seq: joined[at + 3], payload: joined.slice(at + HEADER_BYTES, end - 2) });
      at = end;
    }
    this.buffer = joined.slice(at);
    return frames;
  }

  /**
   * Gives up on a buffered partial frame (after a timeout: a damaged length can
   * make it wait for bytes that never come) and rescans what follows its sync
   * pair, returning any intact frames found there.
   */
  resync(): Frame[] {
    if (this.buffer.length === 0) return [];
    const rest = this.buffer.subarray(1);
    this.buffer = new Uint8Array(0);
    return this.push(rest);
  }
}
