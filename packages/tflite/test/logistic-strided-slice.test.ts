// LOGISTIC and STRIDED_SLICE against LiteRT.js (TFLite's own kernels) as the independent
// oracle: LOGISTIC on every int8 input at input scales whose range radius is 120, 7, 3 and 0
// and at both zero point extremes; STRIDED_SLICE on crop boxes of several shapes; then the
// .tflite round trip and the importer's reading of Keras' cropping (masks, negative ends) and
// its refusals of what edgeq's STRIDED_SLICE cannot express.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, q, type QGraph } from '@edgeq/ir';
import { compareWholeModel, exportTflite, importTflite, readTfliteModel, writeTfliteModel } from '../src/index.js';
import { BuiltinOperator } from '../src/schema.js';
import { randomInputs } from './inputs.js';
import { canonicalScales } from './canonical.js';

const TFLM = { scales: 'fixed', rounding: 'tflm' } as const;

function logisticGraph(scale: number, zeroPoint: number): QGraph {
  const b = new GraphBuilder(`logistic_${scale}_${zeroPoint}`, TFLM);
  const x = b.input('x', [1, 256], q(scale, zeroPoint));
  b.output(b.op('LOGISTIC', 'sigmoid', [x], {}, [1, 256], q(1 / 256, -128)));
  return b.build();
}

function sliceGraph(inShape: number[], begin: number[], outShape: number[]): QGraph {
  const b = new GraphBuilder(`slice_${inShape.join('x')}`, TFLM);
  const x = b.input('x', inShape, q(0.5, 4));
  b.output(b.op('STRIDED_SLICE', 'crop', [x], { begin }, outShape, q(0.5, 4)));
  return b.build();
}

const everyInt8 = [Int8Array.from({ length: 256 }, (_, i) => i - 128)];
const SLICES: Array<[number[], number[], number[]]> = [
  [[1, 5, 6, 3], [0, 1, 2, 0], [1, 3, 3, 3]],
  [[1, 1, 9, 4], [0, 0, 2, 0], [1, 1, 5, 4]],
  [[1, 4, 4, 5], [0, 0, 1, 2], [1, 4, 2, 3]],
];

describe('LOGISTIC', () => {
  // LiteRT's int8 LOGISTIC is a float table (round(256·σ(s_in·d)) − 128); edgeq follows TFLite
  // Micro's fixed-point rule, which agrees everywhere except where TFLite Micro saturates at the
  // range radius while the float value still rounds inside: scale 2 (radius 3), d = −3:
  // 256·σ(−6) = 0.633 → LiteRT −127, TFLite Micro −128; scale 32 (radius 0), d = 0: TFLite Micro
  // tests d ≤ −radius first → −128, LiteRT σ(0) → 0. Exactly one element each.
  it.each([
    [1 / 16, 0, 0, 0], [0.1, 0, 0, 0], [1, -128, 0, 0], [0.0478, 37, 0, 0], [2, 127, 1, 1], [32, 0, 1, 128],
  ])('LiteRT.js on every int8 input (input scale %s, zero point %s): %s differing, by at most %s', async (scale, zeroPoint, differing, maxAbsDiff) => {
    const g = logisticGraph(scale, zeroPoint);
    const stats = await compareWholeModel(g, [everyInt8]);
    expect(stats.elements).toBe(256);
    expect(stats.differing, g.name).toBe(differing);
    expect(stats.maxAbsDiff).toBe(maxAbsDiff);
  });

  it('comes back identical from .tflite', () => {
    const g = logisticGraph(0.1, -3);
    expect(importTflite(exportTflite(g), 'logistic.tflite')).toEqual(canonicalScales(g));
  });
});

describe('STRIDED_SLICE (Keras cropping)', () => {
  it('equals LiteRT.js on crop boxes of rows, columns and channels', async () => {
    for (const [inShape, begin, outShape] of SLICES) {
      const g = sliceGraph(inShape, begin, outShape);
      const stats = await compareWholeModel(g, randomInputs(g, 3, 5).map((v) => [v]));
      expect(stats.differing, g.name).toBe(0);
    }
  });

  it('comes back identical from .tflite', () => {
    for (const [inShape, begin, outShape] of SLICES) {
      const g = sliceGraph(inShape, begin, outShape);
      expect(importTflite(exportTflite(g), 'slice.tflite')).toEqual(canonicalScales(g));
    }
  });

  /** The exported file with STRIDED_SLICE's constant inputs and options replaced. */
  function rewritten(begin: number[], end: number[], strides: number[], options: Record<string, number | boolean>): Uint8Array {
    const m = readTfliteModel(exportTflite(sliceGraph([1, 5, 6, 3], [0, 1, 2, 0], [1, 3, 3, 3])));
    const sg = m.subgraphs[0];
    const op = sg.operators.find((o) => m.operatorCodes[o.opcodeIndex].builtinCode === BuiltinOperator.STRIDED_SLICE)!;
    [begin, end, strides].forEach((values, k) => {
      const t = sg.tensors[op.inputs[k + 1]];
      m.buffers[t.buffer] = new Uint8Array(Int32Array.from(values).buffer);
    });
    op.options = { ...op.options, ...options };
    return writeTfliteModel(m);
  }

  it('reads the form Keras writes: begin/end masks and negative ends counted from the end', () => {
    // x[:, 1:-1, 2:-1, :] on [1, 5, 6, 3]: axes 0 and 3 masked (bits 0 and 3 = 9).
    const g = importTflite(rewritten([0, 1, 2, 0], [0, -1, -1, 0], [1, 1, 1, 1], { begin_mask: 9, end_mask: 9 }), 'keras.tflite');
    expect(g.ops[0].options).toEqual({ begin: [0, 1, 2, 0] });
  });

  it.each([
    ['strides other than 1', [0, 1, 2, 0], [1, 4, 5, 3], [1, 2, 1, 1], {}, /inputs\[3\]: strides \[1,2,1,1\] are not supported/],
    ['a shrunk axis', [0, 1, 2, 0], [1, 4, 5, 3], [1, 1, 1, 1], { shrink_axis_mask: 2 }, /builtin_options\.shrink_axis_mask: is 2/],
    ['a box that does not match the output', [0, 0, 2, 0], [1, 4, 5, 3], [1, 1, 1, 1], {}, /axis 1: the slice \[0, 4\) does not have the output's extent 3/],
  ] as const)('refuses %s with one line naming the field', (_what, begin, end, strides, options, message) => {
    expect(() => importTflite(rewritten([...begin], [...end], [...strides], options), 'bad.tflite')).toThrow(message);
  });
});
