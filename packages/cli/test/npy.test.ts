// The .npy reader and writer: round trips for every supported dtype, and refusals that
// name the file and the fault.
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../src/inputs/npy.js';
import { CliError } from '../src/errors.js';

describe('npy', () => {
  it.each([
    ['|u1', Uint8Array.from([0, 1, 255, 7, 8, 9])],
    ['|i1', Int8Array.from([-128, 0, 127, 1, 2, 3])],
    ['<i4', Int32Array.from([-5, 6, 1 << 30, 0, 1, 2])],
    ['<f4', Float32Array.from([0.5, -1.25, 3, 0, 1, 2])],
    ['<f8', Float64Array.from([Math.PI, -1, 0, 1e-300, 2, 3])],
  ])('round-trips %s with shape (2, 3)', (descr, data) => {
    const bytes = encodeNpy(data, [2, 3]);
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
    const back = parseNpy(bytes, 'a.npy');
    expect(back.descr).toBe(descr);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('decodes NumPy int64 (its default integer type) exactly', () => {
    const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    const pad = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const bytes = new Uint8Array(10 + pad.length + 24);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
    new DataView(bytes.buffer).setUint16(8, pad.length, true);
    bytes.set(new TextEncoder().encode(pad), 10);
    new BigInt64Array(bytes.buffer, 10 + pad.length, 3).set([9n, -2n, 1n << 40n]);
    const a = parseNpy(bytes, 'labels.npy');
    expect(a.descr).toBe('<i8');
    expect(Array.from(a.data)).toEqual([9, -2, 2 ** 40]);
  });

  it('1-D shapes keep the trailing comma numpy writes', () => {
    const header = new TextDecoder().decode(encodeNpy(Int32Array.from([1, 2, 3]), [3]).subarray(10, 80));
    expect(header).toContain("'shape': (3,)");
    expect(parseNpy(encodeNpy(Int32Array.from([1, 2, 3]), [3]), 'l.npy').shape).toEqual([3]);
  });

  it('refuses a non-npy file, a truncated file and an unsupported dtype, naming the file', () => {
    expect(() => parseNpy(new TextEncoder().encode('hello world'), 'x.npy')).toThrow(new CliError(3, 'x.npy: not a NumPy .npy file (bad magic)'));
    const full = encodeNpy(Float32Array.from([1, 2, 3, 4]), [4]);
    expect(() => parseNpy(full.subarray(0, full.length - 4), 't.npy')).toThrow(/t\.npy: truncated: shape \(4\) needs 16 data bytes, file has 12/);
    const c8 = full.slice();
    const at = new TextDecoder('latin1').decode(c8).indexOf("'<f4'");
    c8.set(new TextEncoder().encode("'<c8'"), at);
    expect(() => parseNpy(c8, 'c.npy')).toThrow(/c\.npy: unsupported dtype '<c8'/);
  });
});
