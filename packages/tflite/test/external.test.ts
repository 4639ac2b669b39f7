// Done-when 4: a .tflite made outside edgeq (flatc-style JSON → flatbuffers Builder in the
// test, hand-chosen weights and quantisation) imports, generates C and passes host parity;
// LiteRT.js runs the same file and agrees with the imported graph.
import { describe, expect, it } from 'vitest';
import { constantData, Interpreter, mulberry32 } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';
import { importTflite, LiteRtModel } from '../src/index.js';
import { tfliteFromJson } from './json-tflite.js';
import { CONV_SCALES, CONV_W, DW_SCALES, DW_W, externalModelJson, FC_W, IN_SCALE } from './external-model.js';

const bytes = tfliteFromJson(externalModelJson());
const floatInputs = (n: number, seed: number) => {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: 64 }, () => Math.fround(rand())));
};

describe('importing a .tflite made outside edgeq', () => {
  it('is a valid TFLite model: LiteRT.js runs it', async () => {
    const m = await LiteRtModel.load(bytes, 'external.tflite');
    const [y] = await m.run([floatInputs(1, 1)[0]]);
    m.delete();
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(3);
    expect(Math.abs(Array.from(y).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(0.02); // softmax probabilities
  });

  it('imports to the expected QGraph: ops, weights, per-channel axes, folded MEAN axes', () => {
    const g = importTflite(bytes, 'models/external.tflite');
    expect(g.name).toBe('main');
    expect(g.quantization).toEqual({ scales: 'fixed', rounding: 'tflm' });
    expect(g.ops.map((o) => o.type)).toEqual(['QUANTIZE', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'MEAN', 'FULLY_CONNECTED', 'SOFTMAX', 'DEQUANTIZE']);
    expect(g.tensors.map((t) => t.name)).not.toContain('mean/axes');
    const conv = g.ops[1];
    expect(conv.options).toEqual({ strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, padding: 'SAME', activation: 'RELU6' });
    expect(Array.from(constantData(g, conv.inputs[1]))).toEqual(CONV_W);
    expect(g.tensors[conv.inputs[1]].quant).toEqual({ scale: CONV_SCALES, zeroPoint: [0, 0, 0, 0], axis: 0 });
    const dw = g.ops[2];
    expect(dw.options).toMatchObject({ depthMultiplier: 1, activation: 'NONE' });
    expect(Array.from(constantData(g, dw.inputs[1]))).toEqual(DW_W);
    expect(g.tensors[dw.inputs[1]].quant).toEqual({ scale: DW_SCALES, zeroPoint: [0, 0, 0, 0], axis: 3 });
    expect(g.ops[3].options).toEqual({ axes: [1, 2], keepDims: false });
    expect(Array.from(constantData(g, g.ops[4].inputs[1]))).toEqual(FC_W);
    expect(g.tensors[g.ops[0].outputs[0]].quant).toEqual({ scale: [IN_SCALE], zeroPoint: [-128] });
    expect(g.tensors[g.ops[1].inputs[2]].quant).toBeUndefined(); // bias scale is derived, not stored
  });

  it('generates C that passes host parity (300 float inputs, tflm and fp32)', async () => {
    for (const rounding of ['tflm', 'fp32'] as const) {
      const g = importTflite(bytes, 'external.tflite', { quantization: { scales: 'fixed', rounding } });
      const r = await hostParity(g, floatInputs(300, 2), { sanitize: true });
      console.log(`external.tflite (${rounding}): ${r.line}`);
      expect(r.stats.exactVectors).toBe(300);
    }
  });

  it('in fp32 mode the imported graph equals LiteRT.js on the original file, bit for bit', async () => {
    const g = importTflite(bytes, 'external.tflite', { quantization: { scales: 'fixed', rounding: 'fp32' } });
    const it = new Interpreter(g);
    const m = await LiteRtModel.load(bytes, 'external.tflite');
    let differing = 0;
    for (const x of floatInputs(1000, 3)) {
      const [theirs] = await m.run([x]);
      const ours = it.run([x]).outputs[0];
      for (let i = 0; i < ours.length; i++) if (!Object.is(ours[i], theirs[i])) differing++;
    }
    m.delete();
    expect(differing).toBe(0);
  });
});
