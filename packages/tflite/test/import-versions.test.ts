// .tflite files as converters write them (issue 13): any byte view of the file imports (a
// Node Buffer from fs.readFileSync, or one inside a larger pool); operator versions up to
// those TFLite's runtime registers import, since an OperatorCode's version is the highest any
// operator of that builtin needs, while what a version adds that changes int8 arithmetic is
// refused where it shows, naming it; builtin operators are named by their schema names.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, GraphBuilder, q, randomGraph, type OpType } from '@edgeq/ir';
import { exportTflite, importTflite, readTfliteModel, writeTfliteModel } from '../src/index.js';
import { OP_MAP } from '../src/op-map.js';
import { TFLITE_GRAPHS } from './random-graph-options.js';
import { importError, patched } from './import-helpers.js';

/** The same bytes with every operator code of `code` set to `version`. */
function withVersion(bytes: Uint8Array, code: number, version: number): Uint8Array {
  const m = readTfliteModel(bytes);
  m.operatorCodes.forEach((c) => {
    if (c.builtinCode === code) c.version = version;
  });
  return writeTfliteModel(m);
}

describe('importTflite honours every byte view of the file', () => {
  const bytes = exportTflite(buildReferenceModel('dscnn'));
  const fresh = importTflite(new Uint8Array(bytes), 'dscnn.tflite');

  it('a Node Buffer at a non-zero byteOffset inside a larger ArrayBuffer', () => {
    const pool = new ArrayBuffer(bytes.length + 4096);
    new Uint8Array(pool).fill(0xa5); // bytes around the file that must never be read
    const offset = 1000;
    const view = Buffer.from(pool, offset, bytes.length);
    view.set(bytes);
    expect(view.byteOffset).toBe(offset);
    expect(view.buffer.byteLength).toBeGreaterThan(view.byteLength);
    const g = importTflite(view, 'dscnn.tflite');
    expect(g).toEqual(fresh);
    expect(Buffer.from(g.blob).equals(Buffer.from(fresh.blob))).toBe(true);
  });

  it('a plain Uint8Array view at a non-zero offset, and the Buffer fs.readFileSync returns', () => {
    const pool = new Uint8Array(bytes.length + 64);
    pool.set(bytes, 24);
    expect(importTflite(pool.subarray(24, 24 + bytes.length), 'dscnn.tflite')).toEqual(fresh);
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-tflite-view-'));
    try {
      writeFileSync(join(dir, 'dscnn.tflite'), bytes);
      const read = readFileSync(join(dir, 'dscnn.tflite'));
      expect(Buffer.isBuffer(read)).toBe(true);
      expect(importTflite(read, 'dscnn.tflite')).toEqual(fresh);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('operator versions as current TFLite writes them', () => {
  // A graph per op type of the op map: the reference models and random graphs cover them all.
  const resize = new GraphBuilder('resize', { scales: 'fixed', rounding: 'tflm' });
  const x = resize.input('x', [1, 3, 4, 2], q(0.25, -7));
  resize.output(resize.op('RESIZE_NEAREST_NEIGHBOR', 'resize', [x], { alignCorners: false, halfPixelCenters: true }, [1, 6, 8, 2], q(0.25, -7)));
  const graphs = [buildReferenceModel('dscnn'), buildReferenceModel('mbv2mini'), resize.build(), ...Array.from({ length: 60 }, (_, k) => randomGraph(k + 1, TFLITE_GRAPHS))];
  const fileWith = (type: OpType) => {
    const g = graphs.find((candidate) => candidate.ops.some((op) => op.type === type));
    return g ? exportTflite(g) : undefined;
  };
  // Runtime maxima from tensorflow/lite/core/kernels/register.cc (AddBuiltin min/max versions);
  // RESHAPE is registered without a range, i.e. version 1 only. Written here, not read from op-map.ts.
  const REGISTERED: Partial<Record<OpType, number>> = {
    CONV_2D: 8, DEPTHWISE_CONV_2D: 7, FULLY_CONNECTED: 13, ADD: 5, AVERAGE_POOL_2D: 3, MAX_POOL_2D: 3, MEAN: 3,
    SOFTMAX: 3, PAD: 5, CONCATENATION: 4, RESHAPE: 1, QUANTIZE: 4, DEQUANTIZE: 6, RESIZE_NEAREST_NEIGHBOR: 4, LOGISTIC: 3,
    STRIDED_SLICE: 8,
  };

  for (const type of Object.keys(OP_MAP) as OpType[]) {
    it(`${type}: every version TFLite's runtime registers imports the int8 form unchanged; the next is refused`, () => {
      const max = REGISTERED[type];
      expect(max, `${type} has a registered maximum in this test`).toBeDefined();
      expect(OP_MAP[type].maxImportVersion).toBe(max);
      const bytes = fileWith(type);
      if (!bytes) throw new Error(`no test graph has a ${type}`);
      const code = OP_MAP[type].code;
      const expected = importTflite(bytes, 'model.tflite');
      for (let version = 1; version <= max!; version++) {
        expect(importTflite(withVersion(bytes, code, version), 'model.tflite'), `${type} v${version}`).toEqual(expected);
      }
      const beyond = importError(withVersion(bytes, code, max! + 1));
      expect(beyond.message).toMatch(new RegExp(`\\(${type}\\): ${type} version ${max! + 1} is not supported \\(edgeq imports versions 1 to ${max}, those TFLite's runtime registers\\)`));
    });
  }

  it('FULLY_CONNECTED v12 of a converter-made int8 file imports as its v4 form', () => {
    const v4 = patched(() => {});
    const v12 = patched((m) => { m.operator_codes[4].version = 12; m.subgraphs[0].operators[4].builtin_options.asymmetric_quantize_inputs = true; });
    expect(importTflite(v12, 'v12.tflite')).toEqual(importTflite(v4, 'v12.tflite'));
  });
});

describe('what a later version adds that changes the arithmetic is refused, naming it', () => {
  it('hybrid FULLY_CONNECTED (float input, int8 per-channel weights: version 12)', () => {
    const e = importError(patched((m) => {
      // The FC reads a float graph input of its own, as in a dynamic-range quantised model.
      m.operator_codes[4].version = 12;
      m.subgraphs[0].tensors.push({ name: 'features', shape: [1, 4], type: 'FLOAT32', buffer: 0 });
      m.subgraphs[0].inputs.push(15);
      m.subgraphs[0].operators[4].inputs[0] = 15;
    }));
    expect(e.message).toContain('operators[4] (FULLY_CONNECTED) input tensors[15] "features": is FLOAT32, edgeq needs INT8 here: a hybrid operator');
  });

  // INT4 weights (CONV_2D version 7, FULLY_CONNECTED version 10) are imported: int4.test.ts.
  // An INT4 tensor keeping one value per byte is not TFLite's layout and is refused by size.
  it('4-bit weights stored one per byte (INT4: CONV_2D version 7, FULLY_CONNECTED version 10)', () => {
    const conv = importError(patched((m) => { m.operator_codes[1].version = 7; m.subgraphs[0].tensors[2].type = 17; }));
    expect(conv.message).toContain('tensors[2] "conv/weights": buffer 1 holds 36 bytes but shape [4, 3, 3, 1] of INT4 needs 18 (one value per byte: INT4 constants are packed two per byte');
    const fc = importError(patched((m) => { m.operator_codes[4].version = 10; m.subgraphs[0].tensors[10].type = 17; }));
    expect(fc.message).toContain('tensors[10] "fc/weights": buffer 6 holds 12 bytes but shape [3, 4] of INT4 needs 6 (one value per byte');
  });

  it('16-bit activations and a 64-bit quantized_bias_type (int16x8, FULLY_CONNECTED version 11)', () => {
    const i16 = importError(patched((m) => { m.subgraphs[0].tensors[4].type = 'INT16'; }));
    expect(i16.message).toContain('is INT16, edgeq needs INT8 here: 16-bit activations');
    const bias = importError(patched((m) => { m.operator_codes[4].version = 11; m.subgraphs[0].operators[4].builtin_options.quantized_bias_type = 4; }));
    expect(bias.message).toContain('operators[4] (FULLY_CONNECTED).builtin_options.quantized_bias_type: is INT64; int8 kernels accumulate in INT32');
    // quantized_bias_type = INT32 says what TFLite's int8 kernels do anyway: accepted.
    const int32 = patched((m) => { m.operator_codes[4].version = 11; m.subgraphs[0].operators[4].builtin_options.quantized_bias_type = 2; });
    expect(importTflite(int32)).toEqual(importTflite(patched(() => {})));
  });

  it('grouped convolution (CONV_2D version 6)', () => {
    const grouped = importError(patched((m) => {
      m.operator_codes[1].version = 6;
      const t = m.subgraphs[0].tensors;
      t[0].shape = [1, 8, 8, 2];
      t[1].shape = [1, 8, 8, 2];
    }));
    expect(grouped.message).toContain('operators[1] (CONV_2D).inputs[1]: filter has 1 input channels but the input has 2: a grouped convolution (CONV_2D version 6) is not supported');
  });

  it('shuffled weights and keep_num_dims over more than two dimensions', () => {
    const shuffled = importError(patched((m) => { m.subgraphs[0].operators[4].builtin_options.weights_format = 1; }));
    expect(shuffled.message).toContain('operators[4] (FULLY_CONNECTED).builtin_options.weights_format: shuffled weights');
    const keep3 = importError(patched((m) => {
      m.operator_codes[4].version = 5;
      m.subgraphs[0].operators[3].builtin_options.keep_dims = true;
      m.subgraphs[0].tensors[9].shape = [1, 1, 1, 4];
      m.subgraphs[0].operators[4].builtin_options.keep_num_dims = true;
    }));
    expect(keep3.message).toContain('operators[4] (FULLY_CONNECTED).builtin_options.keep_num_dims: keep_num_dims = true keeps the 4 dimensions');
    // On a [1, K] input keep_num_dims changes nothing: accepted.
    const keep2 = patched((m) => { m.operator_codes[4].version = 5; m.subgraphs[0].operators[4].builtin_options.keep_num_dims = true; });
    expect(importTflite(keep2)).toEqual(importTflite(patched(() => {})));
  });
});

describe('builtin operators are named by their schema names', () => {
  it('an LSTM is refused as "LSTM"', () => {
    const e = importError(patched((m) => { m.operator_codes[4] = { builtin_code: 'LSTM', deprecated_builtin_code: 16, version: 1 }; }));
    expect(e.message).toContain('operators[4] (LSTM): operator LSTM is not supported');
    expect(e.message).not.toMatch(/builtin operator 16/);
  });

  it('codes past 127 (builtin_code beside the deprecated byte) and the newest schema codes', () => {
    const gelu = importError(patched((m) => { m.operator_codes[5] = { builtin_code: 150, deprecated_builtin_code: 127, version: 1 }; }));
    expect(gelu.message).toContain('operators[5] (GELU): operator GELU is not supported');
    const composite = importError(patched((m) => { m.operator_codes[5] = { builtin_code: 206, deprecated_builtin_code: 127, version: 1 }; }));
    expect(composite.message).toContain('operators[5] (STABLEHLO_COMPOSITE): operator STABLEHLO_COMPOSITE is not supported');
    const unknown = importError(patched((m) => { m.operator_codes[5] = { builtin_code: 999, deprecated_builtin_code: 127, version: 1 }; }));
    expect(unknown.message).toContain('operator builtin operator 999 (not in the TFLite schema edgeq knows) is not supported');
  });
});
