/**
 * HDF5 access for the Keras readers, on h5wasm: open a file from disk or from bytes (the
 * weights inside a `.keras` zip go through a private temporary file that is always
 * removed), read string attributes and float32 datasets. Every fault becomes a QatError
 * naming the file and the HDF5 path.
 */

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm, { type File as H5File } from 'h5wasm/node';
import { QatError } from './errors.js';

/** A float32 array read from an HDF5 dataset, with its shape. */
export interface Hdf5Array {
  shape: number[];
  data: Float32Array;
}

/** An open HDF5 file; close it with close(). */
export class Hdf5Reader {
  private constructor(private readonly file: H5File, readonly source: string, private readonly cleanup?: () => Promise<void>) {}

  /**
   * Open an HDF5 file on disk (`bytes` absent) or held in memory (`bytes` given; `source`
   * then only names it in errors).
   * @throws QatError naming `source` when the bytes are not a complete HDF5 file
   */
  static async open(source: string, bytes?: Uint8Array): Promise<Hdf5Reader> {
    await throwingHdf5();
    let onDisk = source;
    let cleanup: (() => Promise<void>) | undefined;
    if (bytes) {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-h5-'));
      cleanup = () => fs.rm(dir, { recursive: true, force: true });
      onDisk = path.join(dir, 'weights.h5');
      await fs.writeFile(onDisk, bytes);
    }
    const head = bytes ? bytes.subarray(0, 8) : await readHead(source);
    if (!isHdf5Signature(head)) {
      await cleanup?.();
      throw new QatError(source, 'is not an HDF5 file (no HDF5 signature at its start)');
    }
    try {
      const file = new h5wasm.File(onDisk, 'r');
      return new Hdf5Reader(file, source, cleanup);
    } catch (e) {
      await cleanup?.();
      throw new QatError(source, `cannot be read as HDF5 (truncated or damaged?): ${firstLine(e)}`);
    }
  }

  /** Close the file (and remove its temporary copy). */
  async close(): Promise<void> {
    try {
      this.file.close();
    } finally {
      await this.cleanup?.();
    }
  }

  /** Whether an object exists at `hdfPath`. */
  has(hdfPath: string): boolean {
    try {
      return this.file.get(hdfPath) !== null;
    } catch {
      return false;
    }
  }

  /** The names of a group's members (empty when there is no group there). */
  keys(hdfPath: string): string[] {
    const g = this.has(hdfPath) ? this.file.get(hdfPath) : null;
    return g instanceof h5wasm.Group ? g.keys() : [];
  }

  /** A string attribute of the object at `hdfPath`, or undefined. */
  stringAttribute(hdfPath: string, name: string): string | undefined {
    const v = this.attributeValue(hdfPath, name);
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return new TextDecoder().decode(v);
    return undefined;
  }

  /** A string-list attribute (Keras 2's `weight_names`, `layer_names`), or undefined. */
  stringListAttribute(hdfPath: string, name: string): string[] | undefined {
    const v = this.attributeValue(hdfPath, name);
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.map((s) => String(s));
    return undefined;
  }

  private attributeValue(hdfPath: string, name: string): unknown {
    try {
      const obj = this.file.get(hdfPath);
      if (!obj || !('attrs' in obj)) return undefined;
      const attr = obj.attrs[name];
      return attr ? attr.value : undefined;
    } catch (e) {
      throw new QatError(`${this.source}: ${hdfPath} attribute ${name}`, `cannot be read (truncated or damaged?): ${firstLine(e)}`);
    }
  }

  /**
   * A float32 dataset. `where` names it in errors (file, layer, weight).
   * @throws QatError when it is missing, not floating point, or cannot be read
   */
  float32(hdfPath: string, where: string): Hdf5Array {
    const obj = this.has(hdfPath) ? this.file.get(hdfPath) : null;
    if (!(obj instanceof h5wasm.Dataset)) throw new QatError(where, `is missing (no dataset ${hdfPath} in ${this.source})`);
    const { type, size } = obj.metadata;
    if (type !== 1 || size !== 4) {
      const got = type === 1 ? `float${size * 8}` : type === 0 ? `int${size * 8}` : `HDF5 type class ${type}`;
      throw new QatError(`${where}: dtype`, `is ${got}; edgeq reads float32 weights`);
    }
    let value: unknown;
    try {
      value = obj.value;
    } catch (e) {
      throw new QatError(where, `cannot be read from ${this.source} (truncated or damaged?): ${firstLine(e)}`);
    }
    const shape = obj.shape ?? [];
    const data = value instanceof Float32Array ? value : typeof value === 'number' ? Float32Array.of(value) : undefined;
    if (!data || data.length !== shape.reduce((a, d) => a * d, 1)) {
      throw new QatError(where, `cannot be read from ${this.source}: got ${data?.length ?? 'no'} values for shape [${shape.join(', ')}]`);
    }
    return { shape, data };
  }
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const head = new Uint8Array(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** HDF5's 8-byte format signature: \x89 H D F \r \n \x1a \n. */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether bytes start with the HDF5 signature (a file with no user block). */
export function isHdf5Signature(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_SIGNATURE.every((b, i) => head[i] === b);
}

let errorsThrow: Promise<void> | undefined;

/**
 * h5wasm, with HDF5's errors thrown as exceptions instead of printed to stderr (a refusal
 * must stay one line).
 */
function throwingHdf5(): Promise<void> {
  errorsThrow ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
  });
  return errorsThrow;
}

/** The innermost reason of an HDF5 error stack ("truncated file: eof = …"), or the message's first line. */
function firstLine(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const reasons = [...text.matchAll(/#\d+: .* in [\w.]+\(\): (.*)/g)].map((m) => m[1].trim());
  return reasons.at(-1) ?? text.split('\n')[0];
}
