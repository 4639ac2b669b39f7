/**
 * NumPy .npy arrays (format versions 1–3, C order): the reader turns image and label
 * files into typed arrays for `simulate`, `parity` and `bench`; the writer stores
 * per-layer tensors from `simulate --dump-layers`. Errors name the file and the fault.
 */

import { promises as fs } from 'node:fs';
import { inputError } from '../errors.js';

/** Element types understood here, by NumPy descr. */
const DTYPES = {
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '<i2': Int16Array,
  '<u2': Uint16Array,
  '<i4': Int32Array,
  '<u4': Uint32Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
} as const;
/** 64-bit integers (NumPy's default int): decoded to exact doubles (|v| ≤ 2^53). */
const INT64 = { '<i8': BigInt64Array, '<u8': BigUint64Array } as const;
export type NpyDescr = keyof typeof DTYPES | keyof typeof INT64;
export type NpyData = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** A decoded array. */
export interface NpyArray {
  descr: NpyDescr;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Decode the bytes of an .npy file; `file` is used in error messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw inputError(`${file}: not a NumPy .npy file (bad magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw inputError(`${file}: unsupported .npy format version ${major}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw inputError(`${file}: malformed .npy header ${JSON.stringify(header.trim())}`);
  const norm = descr === '<u1' || descr === '>u1' ? '|u1' : descr === '<i1' || descr === '>i1' ? '|i1' : descr;
  if (!(norm in DTYPES) && !(norm in INT64)) throw inputError(`${file}: unsupported dtype '${descr}' (supported: ${[...Object.keys(DTYPES), ...Object.keys(INT64)].join(', ')})`);
  if (fortran === 'True') throw inputError(`${file}: Fortran-ordered arrays are not supported (save with numpy.ascontiguousarray)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw inputError(`${file}: malformed shape (${shapeText})`);
  const count = shape.reduce((a, d) => a * d, 1);
  const start = headerStart + headerLen;
  const Wide = INT64[norm as keyof typeof INT64];
  const Narrow = DTYPES[norm as keyof typeof DTYPES];
  const need = count * (Wide ?? Narrow).BYTES_PER_ELEMENT;
  if (bytes.length - start < need) throw inputError(`${file}: truncated: shape (${shape.join(', ')}) needs ${need} data bytes, file has ${bytes.length - start}`);
  const copy = bytes.slice(start, start + need); // aligned copy
  if (!Wide) return { descr: norm as NpyDescr, shape, data: new Narrow(copy.buffer, 0, count) };
  const wide = new Wide(copy.buffer, 0, count);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = Number(wide[i]);
    if (!Number.isSafeInteger(v)) throw inputError(`${file}: element ${i} (${wide[i]}) does not fit a double exactly`);
    data[i] = v;
  }
  return { descr: norm as NpyDescr, shape, data };
}

/** Read an .npy file. */
export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(`${file}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  return parseNpy(bytes, file);
}

/** Encode a typed array as .npy (version 1.0). */
export function encodeNpy(data: NpyData, shape: number[]): Uint8Array {
  const descr = (Object.entries(DTYPES).find(([, C]) => data instanceof C)?.[0] ?? '<f4') as keyof typeof DTYPES;
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const total = 10 + header.length + 1;
  header = header + ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
