/**
 * A bounds-checked reader of the flatbuffer binary format. The `flatbuffers` runtime's
 * own accessors trust their input; an importer of files from elsewhere must not, so every
 * offset, vtable and vector length is checked here against the buffer before it is used,
 * and a fault becomes a TfliteError naming the field being read.
 */

import { TfliteError } from './errors.js';

/** The bytes of one flatbuffer plus the name to blame in errors. */
export class FlatBuffer {
  /** The file as a plain Uint8Array over exactly its bytes (never a Node Buffer). */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly length: number;
  /**
   * @param file the file's bytes: any Uint8Array view, such as a Node Buffer from
   *   fs.readFileSync that sits at a non-zero byteOffset inside a larger pool
   * @param source the name to blame in errors
   */
  constructor(file: Uint8Array, readonly source: string) {
    // Re-viewed as a plain Uint8Array: a Buffer's slice() shares memory where a Uint8Array's
    // copies, and every view handed out below must cover only this file's bytes.
    this.bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    this.view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    this.length = file.byteLength;
  }

  fail(where: string, message: string): never {
    throw new TfliteError(this.source, where, message);
  }

  /** Check that [pos, pos + size) lies inside the buffer. */
  need(pos: number, size: number, where: string): void {
    if (!Number.isInteger(pos) || pos < 0 || size < 0 || pos + size > this.length) {
      this.fail(where, `truncated or corrupt file: reading ${size} bytes at offset ${pos} of a ${this.length}-byte file`);
    }
  }
  /** A little-endian scalar of `size` bytes at pos, bounds checked. */
  private scalar(pos: number, size: number, where: string, read: (view: DataView) => number): number {
    this.need(pos, size, where);
    return read(this.view);
  }
  u8(pos: number, where: string): number {
    return this.scalar(pos, 1, where, (view) => view.getUint8(pos));
  }
  i8(pos: number, where: string): number {
    return this.scalar(pos, 1, where, (view) => view.getInt8(pos));
  }
  u16(pos: number, where: string): number {
    return this.scalar(pos, 2, where, (view) => view.getUint16(pos, true));
  }
  i32(pos: number, where: string): number {
    return this.scalar(pos, 4, where, (view) => view.getInt32(pos, true));
  }
  u32(pos: number, where: string): number {
    return this.scalar(pos, 4, where, (view) => view.getUint32(pos, true));
  }
  f32(pos: number, where: string): number {
    return this.scalar(pos, 4, where, (view) => view.getFloat32(pos, true));
  }
  /** int64 as a JS number; values beyond ±2^53 are rejected. */
  i64(pos: number, where: string): number {
    this.need(pos, 8, where);
    const v = this.view.getBigInt64(pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(where, `int64 value ${v} out of range`);
    return Number(v);
  }

  /** The root table (after the 4-byte root offset and the 4-byte file identifier). */
  root(where = 'root'): Table {
    this.need(0, 8, where);
    return this.tableAt(this.u32(0, where), where);
  }

  /** The 4-character file identifier at bytes 4..8. */
  identifier(): string {
    if (this.length < 8) return '';
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  tableAt(pos: number, where: string): Table {
    const soff = this.i32(pos, where);
    const vt = pos - soff;
    const vtSize = this.u16(vt, `${where} (vtable)`);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail(where, `corrupt vtable size ${vtSize}`);
    this.need(vt, vtSize, `${where} (vtable)`);
    const objSize = this.u16(vt + 2, `${where} (vtable)`);
    this.need(pos, Math.max(objSize, 4), `${where} (table)`);
    return new Table(this, pos, vt, vtSize, objSize, where);
  }
}

/** One table: field access by slot number. */
export class Table {
  constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
    private readonly vt: number,
    private readonly vtSize: number,
    private readonly objSize: number,
    readonly where: string,
  ) {}

  /** Byte offset of a field inside the table, or 0 when absent. */
  private field(slot: number, size: number, name: string): number {
    const at = 4 + 2 * slot;
    if (at + 2 > this.vtSize) return 0;
    const off = this.fb.u16(this.vt + at, this.path(name));
    if (off === 0) return 0;
    if (off + size > this.objSize) this.fb.fail(this.path(name), `field lies outside its table (offset ${off}, table size ${this.objSize})`);
    return this.pos + off;
  }
  path(name: string): string {
    return `${this.where}.${name}`;
  }
  has(slot: number, name: string): boolean {
    return this.field(slot, 1, name) !== 0;
  }

  /** A scalar field of `size` bytes read by `read` at its position, or `dflt` when absent. */
  private scalarField<T>(slot: number, name: string, size: number, dflt: T, read: (pos: number, where: string) => T): T {
    const p = this.field(slot, size, name);
    return p ? read(p, this.path(name)) : dflt;
  }
  u8(slot: number, name: string, dflt = 0): number {
    return this.scalarField(slot, name, 1, dflt, (p, where) => this.fb.u8(p, where));
  }
  i8(slot: number, name: string, dflt = 0): number {
    return this.scalarField(slot, name, 1, dflt, (p, where) => this.fb.i8(p, where));
  }
  bool(slot: number, name: string, dflt = false): boolean {
    return this.scalarField(slot, name, 1, dflt, (p, where) => this.fb.u8(p, where) !== 0);
  }
  i32(slot: number, name: string, dflt = 0): number {
    return this.scalarField(slot, name, 4, dflt, (p, where) => this.fb.i32(p, where));
  }
  u32(slot: number, name: string, dflt = 0): number {
    return this.scalarField(slot, name, 4, dflt, (p, where) => this.fb.u32(p, where));
  }
  f32(slot: number, name: string, dflt = 0): number {
    return this.scalarField(slot, name, 4, dflt, (p, where) => this.fb.f32(p, where));
  }

  /** Follow an offset field; undefined when absent. */
  private target(slot: number, name: string): number | undefined {
    const p = this.field(slot, 4, name);
    if (!p) return undefined;
    const t = p + this.fb.u32(p, this.path(name));
    this.fb.need(t, 4, this.path(name));
    return t;
  }

  table(slot: number, name: string): Table | undefined {
    const t = this.target(slot, name);
    return t === undefined ? undefined : this.fb.tableAt(t, this.path(name));
  }

  string(slot: number, name: string): string | undefined {
    const t = this.target(slot, name);
    if (t === undefined) return undefined;
    const n = this.fb.u32(t, this.path(name));
    this.fb.need(t + 4, n, this.path(name));
    return new TextDecoder('utf-8', { fatal: false }).decode(this.fb.bytes.subarray(t + 4, t + 4 + n));
  }

  /** A vector: its element count and the position of element 0 (bounds checked). */
  private vector(slot: number, name: string, elemSize: number): { n: number; at: number } | undefined {
    const t = this.target(slot, name);
    if (t === undefined) return undefined;
    const n = this.fb.u32(t, this.path(name));
    this.fb.need(t + 4, n * elemSize, this.path(name));
    return { n, at: t + 4 };
  }

  vecLength(slot: number, name: string): number {
    return this.vector(slot, name, 1)?.n ?? 0;
  }

  /** A vector of numbers, element i read by `read` at its position. */
  private numbers(slot: number, name: string, elementSize: number, read: (at: number, i: number) => number): number[] | undefined {
    const v = this.vector(slot, name, elementSize);
    if (!v) return undefined;
    const out: number[] = new Array(v.n);
    for (let i = 0; i < v.n; i++) out[i] = read(v.at + elementSize * i, i);
    return out;
  }
  i32s(slot: number, name: string): number[] | undefined {
    return this.numbers(slot, name, 4, (at) => this.fb.view.getInt32(at, true));
  }
  f32s(slot: number, name: string): number[] | undefined {
    return this.numbers(slot, name, 4, (at) => this.fb.view.getFloat32(at, true));
  }
  i64s(slot: number, name: string): number[] | undefined {
    return this.numbers(slot, name, 8, (at, i) => this.fb.i64(at, `${this.path(name)}[${i}]`));
  }
  /** A [ubyte] vector as a view into the file (no copy). */
  bytes(slot: number, name: string): Uint8Array | undefined {
    const v = this.vector(slot, name, 1);
    return v ? this.fb.bytes.subarray(v.at, v.at + v.n) : undefined;
  }
  /** A vector of tables. */
  tables(slot: number, name: string): Table[] {
    const v = this.vector(slot, name, 4);
    if (!v) return [];
    const out: Table[] = [];
    for (let i = 0; i < v.n; i++) {
      const e = v.at + 4 * i;
      const where = `${this.path(name)}[${i}]`;
      out.push(this.fb.tableAt(e + this.fb.u32(e, where), where));
    }
    return out;
  }
}
