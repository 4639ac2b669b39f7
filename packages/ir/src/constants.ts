/**
 * Access to constant tensor data in a QGraph blob, and the builder that assembles a blob
 * when a graph is constructed in code (freeze, import, tests).
 */

import type { ActivationDType, DType, QGraph, TensorDef } from './qgraph.js';
import { int4ByteLength, packInt4, unpackInt4 } from './int4.js';
import { numElements } from './shapes.js';
import { QGraphError, tensorWhere } from './errors.js';

/** Bytes per element of each whole-byte element type (int4 packs two per byte: see `dtypeByteLength`). */
export const DTYPE_BYTES: Readonly<Record<ActivationDType, number>> = { int8: 1, int32: 4, float32: 4 };

/** Bytes `elements` values of `dtype` occupy in the blob (int4: two per byte, rounded up). */
export function dtypeByteLength(dtype: DType, elements: number): number {
  return dtype === 'int4' ? int4ByteLength(elements) : elements * DTYPE_BYTES[dtype];
}

export type TensorData = Int8Array | Int32Array | Float32Array;

/**
 * Copy a constant tensor's data out of the blob as a typed array (little-endian decode).
 * int4 tensors come back unpacked, one value per Int8Array element.
 */
export function constantData(g: QGraph, index: number): TensorData {
  const t = g.tensors[index];
  if (!t?.buffer) throw new QGraphError(tensorWhere(g, index), 'tensor has no constant buffer');
  const n = numElements(t.shape);
  const { offset } = t.buffer;
  const view = new DataView(g.blob.buffer, g.blob.byteOffset + offset, dtypeByteLength(t.dtype, n));
  switch (t.dtype) {
    case 'int4':
      return unpackInt4(g.blob.subarray(offset, offset + int4ByteLength(n)), n);
    case 'int8':
      return new Int8Array(g.blob.buffer.slice(g.blob.byteOffset + offset, g.blob.byteOffset + offset + n));
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
  }
}

/** Accumulates constant tensors into one 16-byte-aligned blob. */
export class BlobBuilder {
  private chunks: Uint8Array[] = [];
  private length = 0;

  /**
   * Appends data (little endian) and returns its buffer reference. With `dtype` 'int4' the
   * Int8Array's values (each in [-8, 7]) are packed two per byte.
   */
  add(data: TensorData, dtype?: DType): { offset: number; byteLength: number } {
    if (dtype === 'int4') return this.addBytes(packInt4(data));
    const bytes = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
    const view = new DataView(bytes.buffer);
    if (data instanceof Int8Array) bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.length));
    else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
    else data.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.addBytes(bytes);
  }

  /** Appends raw bytes (16-byte aligned) and returns their buffer reference. */
  private addBytes(bytes: Uint8Array): { offset: number; byteLength: number } {
    const pad = (16 - (this.length % 16)) % 16;
    if (pad) {
      this.chunks.push(new Uint8Array(pad));
      this.length += pad;
    }
    const offset = this.length;
    this.chunks.push(bytes);
    this.length += bytes.length;
    return { offset, byteLength: bytes.length };
  }

  build(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Bytes one tensor occupies. */
export function tensorBytes(t: TensorDef): number {
  return dtypeByteLength(t.dtype, numElements(t.shape));
}
