// Issue 17, item 4: int4 weights as TFLite INT4 tensors. The nibble order is checked by hand
// against the bytes in the .tflite buffer both ways: what edgeq writes, and what edgeq reads
// from a file built without edgeq's writer (json-tflite.ts). Round trips of random W4 / mixed
// graphs are in roundtrip.test.ts; LiteRT's agreement is in oracle-w4.test.ts.
import { describe, expect, it } from 'vitest';
import { constantData, GraphBuilder, q } from '@edgeq/ir';
import { exportTflite, importTflite, readTfliteModel, TensorType } from '../src/index.js';
import { importError, patched } from './import-helpers.js';
import { FC_W } from './external-model.js';

/** The weights of the hand-worked vectors, in element order (extremes −8 and 7 included, odd count). */
const W4 = [-8, 3, -2, -5, 7, -1, -3];
/**
 * Their bytes, worked by hand: two's complement nibbles -8 → 0x8, 3 → 0x3, -2 → 0xE, -5 → 0xB,
 * 7 → 0x7, -1 → 0xF, -3 → 0xD; element 2k in the low nibble, 2k+1 in the high nibble:
 *   (e0, e1) = (0x8, 0x3) → 0x38 = 56     (e2, e3) = (0xE, 0xB) → 0xBE = 190
 *   (e4, e5) = (0x7, 0xF) → 0xF7 = 247    (e6, pad) = (0xD, 0x0) → 0x0D = 13
 * The first two bytes are TFLite's converter's own expectation for [-8, 3, -2, -5]
 * (tensorflow/compiler/mlir/lite/tests/mlir2flatbuffer/low_bit_packing.mlir: [56, 190]).
 */
const W4_BYTES = [0x38, 0xbe, 0xf7, 0x0d];

/** FULLY_CONNECTED 7 → 1 with the weights above. */
function tinyFc() {
  const b = new GraphBuilder('tiny_w4', { scales: 'fixed', rounding: 'tflm' });
  const x = b.input('x', [1, 7], q(0.05, 3));
  const y = b.fullyConnected(x, { name: 'fc', weights: Int8Array.from(W4), weightShape: [1, 7], weightScales: [0.02], weightBits: 4, bias: Int32Array.from([9]), out: q(0.1, -2) });
  b.output(y);
  return b.build();
}

describe('int4 weights ⇄ TFLite INT4 tensors', () => {
  it('export: an INT4 tensor whose buffer holds the hand-worked bytes, FULLY_CONNECTED version 10', () => {
    const g = tinyFc();
    const m = readTfliteModel(exportTflite(g));
    const sg = m.subgraphs[0];
    const w = sg.tensors.find((t) => t.name === 'fc/weights')!;
    expect(w.type).toBe(TensorType.INT4);
    expect(w.shape).toEqual([1, 7]);
    expect(Array.from(m.buffers[w.buffer])).toEqual(W4_BYTES);
    expect(w.quantization!.zeroPoint).toEqual([0]);
    // op_version.cc: int8 input and output with an INT4 filter is FULLY_CONNECTED version 10.
    expect(m.operatorCodes).toEqual([{ builtinCode: 9, version: 10 }]);
    const back = importTflite(exportTflite(g), 'tiny_w4.tflite');
    expect(Array.from(constantData(back, back.ops[0].inputs[1]))).toEqual(W4);
  });

  it('import: INT4 weights of a file not written by edgeq, unpacked low nibble first', () => {
    // fc/weights [3, 4] as INT4 (FULLY_CONNECTED version 10), packed by hand:
    //   (2, -3) → 0xD2   (4, 1) → 0x14   (-8, 6) → 0x68   (-2, 3) → 0x3E   (-5, 1) → 0x1B   (7, -4) → 0xC7
    const values = [2, -3, 4, 1, -8, 6, -2, 3, -5, 1, 7, -4];
    const bytes = patched((m) => {
      m.operator_codes[4].version = 10;
      m.subgraphs[0].tensors[10].type = 'INT4';
      m.buffers[6].data = [0xd2, 0x14, 0x68, 0x3e, 0x1b, 0xc7];
    });
    const g = importTflite(bytes, 'w4.tflite');
    const fc = g.ops.find((op) => op.type === 'FULLY_CONNECTED')!;
    const w = g.tensors[fc.inputs[1]];
    expect(w.dtype).toBe('int4');
    expect(w.shape).toEqual([3, 4]);
    expect(Array.from(constantData(g, fc.inputs[1]))).toEqual(values);
    // The blob keeps TFLite's packed bytes as they are.
    expect(Array.from(g.blob.subarray(w.buffer!.offset, w.buffer!.offset + w.buffer!.byteLength))).toEqual([0xd2, 0x14, 0x68, 0x3e, 0x1b, 0xc7]);
    // The rest of the model is the int8 fixture unchanged.
    const int8 = importTflite(patched(() => {}), 'w4.tflite');
    expect(int8.ops.map((op) => op.type)).toEqual(g.ops.map((op) => op.type));
    expect(Array.from(constantData(int8, fc.inputs[1]))).toEqual(FC_W);
  });

  it('import: an odd element count ignores the last high nibble, as TFLite does', () => {
    const dirty = exportTflite(tinyFc()).slice();
    const m = readTfliteModel(dirty);
    const data = m.buffers[m.subgraphs[0].tensors.find((t) => t.name === 'fc/weights')!.buffer];
    data[data.length - 1] |= 0x50; // the buffer is a view into the file: set the padding nibble
    expect(readTfliteModel(dirty).buffers[m.subgraphs[0].tensors.find((t) => t.name === 'fc/weights')!.buffer].at(-1)).toBe(0x5d);
    const back = importTflite(dirty, 'dirty.tflite');
    expect(Array.from(constantData(back, back.ops[0].inputs[1]))).toEqual(W4);
  });

  it('INT4 anywhere but the constant weights of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED is refused, naming the tensor', () => {
    // The depthwise output as INT4: an activation.
    const act = importError(patched((m) => { m.subgraphs[0].tensors[7].type = 'INT4'; }));
    expect(act.message).toContain('operators[2] (DEPTHWISE_CONV_2D) output tensors[7] "dw/out": is INT4, edgeq needs INT8 here: edgeq supports INT4 only as the constant weights (filter) of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED');
    // The bias as INT4.
    const bias = importError(patched((m) => { m.subgraphs[0].tensors[3].type = 'INT4'; }));
    expect(bias.message).toContain('operators[1] (CONV_2D) bias tensors[3] "conv/bias": is INT4, edgeq needs INT32 here: edgeq supports INT4 only as the constant weights');
    // INT4 weights without data (a graph input feeding the filter).
    const variable = importError(patched((m) => {
      m.subgraphs[0].tensors[10].type = 'INT4';
      m.subgraphs[0].tensors[10].buffer = 0;
      m.subgraphs[0].inputs.push(10);
    }));
    expect(variable.message).toContain('tensors[10] "fc/weights": INT4 weights must be a constant tensor');
  });
});
