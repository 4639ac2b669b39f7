/**
 * int4 weights in the QGraph: the nibble order of the packed blob (hand-worked bytes), the
 * unpacked view every kernel reads, what the validator refuses, the save/load round trip,
 * and that a graph with int4 weights computes what the same graph with those values stored
 * as int8 computes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GraphBuilder, Interpreter, constantData, int4ByteLength, loadQGraph, packInt4, q, randomGraph, saveQGraph,
  unpackInt4, validateQGraph, type QGraph,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeq-int4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 1x1 conv with 3 output channels over 3 input channels: 9 weights, an odd count. */
function conv1x1(weightBits: 4 | 8, weights: number[]): QGraph {
  const b = new GraphBuilder(`conv_w${weightBits}`);
  const x = b.input('x', [1, 1, 2, 3], q(0.5, -3));
  const y = b.conv2d(x, {
    name: 'conv', weights: Int8Array.from(weights), weightShape: [3, 1, 1, 3], weightScales: [0.25, 0.125, 0.5], weightBits,
    bias: Int32Array.from([4, -6, 0]), out: q(1, 2),
  });
  b.output(y);
  return b.build();
}

describe('int4 packing', () => {
  it('puts element 2k in the low nibble and 2k+1 in the high nibble', () => {
    // [1, -2, 7, -8, -1]: nibbles 0x1, 0xE, 0x7, 0x8, 0xF -> bytes 0xE1, 0x87, 0x0F (pad nibble 0).
    expect(Array.from(packInt4([1, -2, 7, -8, -1]))).toEqual([0xe1, 0x87, 0x0f]);
    expect(Array.from(unpackInt4(Uint8Array.from([0xe1, 0x87, 0x0f]), 5))).toEqual([1, -2, 7, -8, -1]);
    // Every value survives the round trip in both nibble positions.
    const all = Array.from({ length: 32 }, (_, i) => (i % 16) - 8);
    expect(Array.from(unpackInt4(packInt4(all), 32))).toEqual(all);
    expect(int4ByteLength(0)).toBe(0);
    expect(int4ByteLength(7)).toBe(4);
  });

  it('refuses a value outside [-8, 7] by element', () => {
    expect(() => packInt4([0, 8], 'conv/weights')).toThrow(/conv\/weights: element 1 is 8, outside the int4 range \[-8, 7\]/);
    expect(() => packInt4([-9])).toThrow(/element 0 is -9/);
    expect(() => unpackInt4(new Uint8Array(1), 3)).toThrow(/1 bytes, 3 values need 2/);
  });
});

describe('int4 tensors in a QGraph', () => {
  const weights = [-8, 7, 1, 0, -1, 2, 3, -4, 5];

  it('stores the weights packed in the blob and reads them back unpacked', () => {
    const g = conv1x1(4, weights);
    const w = g.tensors[g.ops[0].inputs[1]];
    expect(w.dtype).toBe('int4');
    expect(w.buffer!.byteLength).toBe(5);
    // -8 -> 0x8, 7 -> 0x7: byte 0x78; 1, 0 -> 0x01; -1, 2 -> 0x2F; 3, -4 -> 0xC3; 5 -> 0x05.
    expect(Array.from(g.blob.subarray(w.buffer!.offset, w.buffer!.offset + 5))).toEqual([0x78, 0x01, 0x2f, 0xc3, 0x05]);
    expect(Array.from(constantData(g, g.ops[0].inputs[1]))).toEqual(weights);
  });

  it('computes what the same values stored as int8 compute', () => {
    const g4 = conv1x1(4, weights);
    const g8 = conv1x1(8, weights);
    const x = [Int8Array.from([-128, 127, 5, -3, 0, 60])];
    for (const kernels of ['typescript', 'wasm'] as const) {
      expect(Array.from(new Interpreter(g4, { kernels }).run(x).outputs[0])).toEqual(Array.from(new Interpreter(g8, { kernels }).run(x).outputs[0]));
    }
    // Hand-worked channel 0 of pixel 0: inputs (x - zp) = (-125, 130, 8), weights (-8, 7, 1), bias 4:
    // acc = 1000 + 910 + 8 + 4 = 1922; real = 1922 * 0.5 * 0.25 = 240.25 -> 240 + zp 2 = 242 -> clamped 127.
    expect(new Interpreter(g4, { kernels: 'typescript' }).run(x).outputs[0][0]).toBe(127);
  });

  it('round-trips through saveQGraph and loadQGraph', async () => {
    const g = randomGraph(5, { weightBits: 4, ops: ['conv', 'dw', 'fc'] });
    expect(g.tensors.some((t) => t.dtype === 'int4')).toBe(true);
    const file = join(dir, 'w4.qgraph.json');
    await saveQGraph(g, file);
    const back = await loadQGraph(file);
    for (const [i, t] of g.tensors.entries()) if (t.dtype === 'int4') expect(Array.from(constantData(back, i))).toEqual(Array.from(constantData(g, i)));
  });

  it('refuses an int4 activation, a short buffer and a non-zero int4 zero point', () => {
    const g = conv1x1(4, weights);
    const wIndex = g.ops[0].inputs[1];
    const activation = structuredClone(g);
    delete activation.tensors[wIndex].buffer;
    activation.tensors[g.inputs[0]].dtype = 'int4';
    expect(() => validateQGraph({ ...activation, blob: g.blob })).toThrow(/tensors\[0\] "x"\.dtype.*int4 is for constant weights only/);
    const short = structuredClone(g);
    short.tensors[wIndex].buffer!.byteLength = 9;
    expect(() => validateQGraph({ ...short, blob: g.blob })).toThrow(/buffer\.byteLength.*is 9 but shape \[3, 1, 1, 3\] of int4 needs 5/);
    const offset = structuredClone(g);
    offset.tensors[wIndex].quant!.zeroPoint = [0, 9, 0];
    expect(() => validateQGraph({ ...offset, blob: g.blob })).toThrow(/zero point 9 out of range \[-8, 7\] for int4/);
  });

  it('random graphs draw int4, int8 or both per layer as asked, and keep the int8 graphs unchanged', () => {
    const dtypes = (g: QGraph) => g.ops.filter((o) => ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(o.type)).map((o) => g.tensors[o.inputs[1]].dtype);
    const mixed = Array.from({ length: 12 }, (_, s) => dtypes(randomGraph(s + 1, { weightBits: 'mixed' }))).flat();
    expect(new Set(mixed)).toEqual(new Set(['int4', 'int8']));
    expect(new Set(Array.from({ length: 6 }, (_, s) => dtypes(randomGraph(s + 1, { weightBits: 4 }))).flat())).toEqual(new Set(['int4']));
    for (let s = 1; s <= 6; s++) expect(randomGraph(s, { weightBits: 8 }).blob).toEqual(randomGraph(s).blob);
  });
});
