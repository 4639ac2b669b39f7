/**
 * --optimize size keeps flash close to the model's own data: int8 weights, int32 biases and
 * the per-channel requantisation data. These tests derive, from the graph alone, what each
 * op's constants must take under the size layout (per channel 9 bytes: int32 bias, int32
 * multiplier, int8 shift code; 7 when every bias of the op fits int16; FULLY_CONNECTED: its bias
 * array, int32 or int16 offsets when they fit, and 5 bytes per requantisation row; SOFTMAX: its
 * scaling struct, no table; plus each kernel's parameter struct) and compare
 * it with the bytes codegen reports; and they check the compact data rebuilds the kernels'
 * four-word rows exactly (compact-requant.ts, the twin of runtime-c's
 * edgeq_channel_requant_expand).
 */
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, deriveOpParams, numElements, type ConvLikeParams, type OpDef, type QGraph, type QuantScheme } from '@edgeq/ir';
import {
  FAST_PARAMS_STRUCTS,
  FC_FAST_PARAMS_STRUCT,
  SOFTMAX_SCALING_PARAMS_STRUCT,
  compactChannelRows,
  decideFastOp,
  compactBias,
  expandBias,
  expandChannelRows,
  firmwareSizeof,
  generateModel,
  planFcAddOps,
  type FastMode,
  type FullyConnectedPlan,
} from '../src/index.js';

const MODES: ReadonlyArray<[FastMode, QuantScheme]> = [
  ['tflm', { scales: 'fixed', rounding: 'tflm' }],
  ['single', { scales: 'fixed', rounding: 'single' }],
  ['pow2', { scales: 'pow2', rounding: 'tflm' }],
];

/** Bytes of the int8 weights a size-mode conv kernel stores, from the op's shapes and the kernel kind. */
function storedWeightBytes(g: QGraph, op: OpDef, kind: string): number {
  const [cout, kh, kw, cin] = g.tensors[op.inputs[1]].shape;
  if (op.type === 'DEPTHWISE_CONV_2D') return kh * kw * g.tensors[op.inputs[1]].shape[3]; // the model's [1][kh][kw][channels]
  if (kind === 'pointwise_w8') return cout * cin;
  // The column kernel: channel pairs, taps rounded up to a quad.
  return Math.ceil(cout / 2) * 2 * Math.ceil((kh * kw * cin) / 4) * 4;
}

/** Requantisation rows of a FULLY_CONNECTED: one when every output feature has the same multiplier and shift. */
function fullyConnectedRows(g: QGraph, op: OpDef): number {
  const { multiplier, shift } = (deriveOpParams(g, op) as ConvLikeParams).requant;
  return new Set(Array.from(multiplier, (m, i) => `${m}/${shift[i]}`)).size === 1 ? 1 : g.tensors[op.inputs[1]].shape[0];
}

/** Whether int32 values span at most 65535 (then int16 offsets from one base hold them). */
function spansAtMost65535(values: ArrayLike<number>): boolean {
  return Math.max(...Array.from(values)) - Math.min(...Array.from(values)) <= 65535;
}

/** What an op's constants take in the size layout, or undefined for ops the layout does not change. */
function expectedSizeBytes(g: QGraph, op: OpDef, mode: FastMode): { data: number; struct: number } | undefined {
  if (op.type === 'CONV_2D' || op.type === 'DEPTHWISE_CONV_2D') {
    const plan = decideFastOp(g, op, mode, { weightStorage: 'int8' }).plan!;
    const channels = g.tensors[op.outputs[0]].shape[3];
    // A conv's odd channel count has a phantom channel to complete the last pair.
    const rows = op.type === 'CONV_2D' ? Math.ceil(channels / 2) * 2 : channels;
    return { data: storedWeightBytes(g, op, plan.kind) + 9 * rows, struct: firmwareSizeof(FAST_PARAMS_STRUCTS[plan.kind]) };
  }
  if (op.type === 'FULLY_CONNECTED') {
    const [outFeatures, inFeatures] = g.tensors[op.inputs[1]].shape;
    const plan = planFcAddOps(g, mode, 'size').get(g.ops.indexOf(op))!.plan as FullyConnectedPlan;
    const biasBytes = spansAtMost65535(plan.bias) ? 2 : 4;
    return { data: outFeatures * inFeatures + biasBytes * outFeatures + 5 * fullyConnectedRows(g, op), struct: firmwareSizeof(FC_FAST_PARAMS_STRUCT) };
  }
  if (op.type === 'SOFTMAX') return { data: 0, struct: firmwareSizeof(SOFTMAX_SCALING_PARAMS_STRUCT) };
  return undefined;
}

/** A MAC op's own data as bench/mcu-mlperf.ts counts it: int8 weights + int32 biases + int32 multiplier and shift per requantisation row (0 for other ops). */
function ownDataBytes(g: QGraph, op: OpDef): number {
  if (op.type !== 'CONV_2D' && op.type !== 'DEPTHWISE_CONV_2D' && op.type !== 'FULLY_CONNECTED') return 0;
  const channels = g.tensors[op.inputs[2]].shape[0];
  const rows = op.type === 'FULLY_CONNECTED' ? fullyConnectedRows(g, op) : channels;
  return numElements(g.tensors[op.inputs[1]].shape) + 4 * channels + 8 * rows;
}

describe('--optimize size: constant bytes are what the layout implies', () => {
  it.each(MODES)('dscnn, %s: every MAC op and SOFTMAX, and the model within 1.05x of its own data', async (mode, scheme) => {
    const g = buildReferenceModel('dscnn', scheme, 1);
    const model = await generateModel(g, { optimize: 'size' });
    let own = 0;
    for (const [i, op] of g.ops.entries()) {
      own += ownDataBytes(g, op);
      const expected = expectedSizeBytes(g, op, mode);
      if (!expected) continue;
      expect(model.ops[i].constBytes, `op ${i} ${op.type}`).toBe(expected.data + expected.struct);
    }
    expect(model.constBytes / own).toBeLessThanOrEqual(1.05);
  });

  it('speed mode keeps the four-word rows and the exponent table (16 bytes per channel, 1 KiB)', async () => {
    const g = buildReferenceModel('dscnn', MODES[0][1], 1);
    const speed = await generateModel(g, { optimize: 'speed' });
    const softmax = g.ops.findIndex((op) => op.type === 'SOFTMAX');
    expect(speed.ops[softmax].declarations.join('\n')).toMatch(/exp_table_\w+\[256\]/);
    expect(speed.ops.some((op) => op.call.includes('edgeq_channel_requant_expand'))).toBe(false);
  });
});

describe('compact requantisation rows', () => {
  it('an op whose biases span at most 65535 stores them as int16 offsets and expands them with the _b16 call', async () => {
    // W4 weights make the bias scale ~16x coarser, so the biases of mbv2mini's W4 depthwise ops span less than 2^16.
    const g = buildReferenceModel('mbv2mini', { scales: 'pow2', rounding: 'tflm' }, 2, 4);
    const model = await generateModel(g, { optimize: 'size' });
    let narrowed = 0;
    for (const [i, op] of model.ops.entries()) {
      const declared = op.declarations.join('\n').match(/(int16_t|int32_t) \w+channel_bias\w*\[(\d+)\]/);
      if (!declared) continue;
      const plan = decideFastOp(g, g.ops[i], 'pow2', { weightStorage: 'int8' }).plan!;
      const biases = Array.from({ length: plan.channelConstants.length / 4 }, (_, r) => plan.channelConstants[r * 4]);
      const fits = Math.max(...biases) - Math.min(...biases) <= 65535;
      expect(declared[1], g.ops[i].name).toBe(fits ? 'int16_t' : 'int32_t');
      expect(op.call.includes('edgeq_channel_requant_expand_b16('), g.ops[i].name).toBe(fits);
      if (fits) narrowed++;
    }
    expect(narrowed).toBeGreaterThan(2);
  });

  it.each(MODES)('a %s FULLY_CONNECTED kernel whose biases span at most 65535 stores them as int16 offsets, rebuilt by edgeq_bias_expand_b16 after its rows', async (mode, scheme) => {
    // dscnn W4: its 1x1 convolutions run on the int4 FULLY_CONNECTED kernel, whose biases (bias - in_zp * sum(w)) sit on the coarse W4 bias scale.
    let narrowed = 0;
    let kept = 0;
    for (const bits of [4, 8] as const) {
      const g = buildReferenceModel('dscnn', scheme, 1, bits);
      const model = await generateModel(g, { optimize: 'size' });
      for (const [i, choice] of planFcAddOps(g, mode, 'size')) {
        if (choice.plan?.kind !== 'fully_connected') continue;
        const bias = choice.plan.bias;
        const fits = spansAtMost65535(bias);
        const declarations = model.ops[i].declarations.join('\n');
        const declared = declarations.match(/(int16_t|int32_t) (\w+_bias_\w*)\[(\d+)\][^{]*\{([^}]*)\}/)!;
        expect([declared[1], Number(declared[3])], g.ops[i].name).toEqual([fits ? 'int16_t' : 'int32_t', bias.length]);
        const call = model.ops[i].call.match(/edgeq_bias_expand_b16\((\w+), (-?\d+)/);
        expect(Boolean(call), g.ops[i].name).toBe(fits);
        if (!fits) { kept++; continue; }
        // What the C computes, base + offset, from the generated text, against the plan's int32 biases.
        const offsets = declared[4].split(',').map(Number);
        expect(call![1]).toBe(declared[2]);
        expect(offsets.map((o) => Number(call![2]) + o)).toEqual(Array.from(bias));
        narrowed++;
      }
    }
    expect(narrowed).toBeGreaterThan(2);
    expect(kept).toBeGreaterThan(0);
  });

  it('hand-worked int16 bias offsets: the range limit, and base + offset gives the biases back', () => {
    // [-7, 65528]: span 65535, base ceil(65521 / 2) = 32761, offsets -32768, 32767, -32761.
    const c = compactBias(Int32Array.of(-7, 65528, 0))!;
    expect([c.base, Array.from(c.offsets)]).toEqual([32761, [-32768, 32767, -32761]]);
    expect(Array.from(expandBias(c))).toEqual([-7, 65528, 0]);
    expect(compactBias(Int32Array.of(-7, 65529))).toBeUndefined();
    // Near the int32 limits: the base is int32, each sum is exact.
    const high = compactBias(Int32Array.of(2147483647, 2147450000))!;
    expect(Array.from(expandBias(high))).toEqual([2147483647, 2147450000]);
  });

  it.each(MODES)('rebuild every row of the %s fast plans of mbv2mini exactly', (mode, scheme) => {
    const g = buildReferenceModel('mbv2mini', scheme, 2);
    let compacted = 0;
    for (const op of g.ops) {
      if (op.type !== 'CONV_2D' && op.type !== 'DEPTHWISE_CONV_2D') continue;
      const plan = decideFastOp(g, op, mode, { weightStorage: 'int8' }).plan;
      if (!plan) continue;
      const compact = compactChannelRows(plan.channelConstants, (deriveOpParams(g, op) as ConvLikeParams).outZp, true)!;
      expect(compact, op.name).toBeDefined();
      expect(compact.shiftCode.length).toBe(plan.channelConstants.length / 4);
      expect(Array.from(expandChannelRows(compact))).toEqual(Array.from(plan.channelConstants));
      compacted++;
    }
    expect(compacted).toBeGreaterThan(3);
  });

  it('hand-worked rows: fast, generic, constant; and rows whose rounding constant does not follow are kept whole', () => {
    // out_zp = -3. Fast row, shift 5: code 5, round = 2^4 + (-3) * 2^5 = 16 - 96 = -80.
    // Generic row, spec shift -7 (stored 256 - 7 = 249): code -7 - 64 = -71, round = out_zp = -3.
    // Constant row {0, 0, 2 * 9, 1}: code 0, its round 18 stored as the bias.
    const rows = Int32Array.of(1000, 1500000000, -80, 5, -20, 1200000000, -3, 249, 0, 0, 18, 1);
    const compact = compactChannelRows(rows, -3, true)!;
    expect(Array.from(compact.bias!)).toEqual([1000, -20, 18]);
    // The biases span [-20, 1000]: base ceil(980 / 2) = 490, offsets -510, 510, -472 fit int16.
    expect([compact.biasBits, compact.biasBase]).toEqual([16, 490]);
    // Far from zero but close together, spanning 65535: base ceil((100000 + 165535) / 2) = 132768,
    // offsets -32768 and 32767: int16. One more at the top (165536, a span of 65536): base 132768,
    // offsets -32768 and 32768: 32768 does not fit, so int32.
    const rowsWith = (b0: number, b1: number) => Int32Array.of(b0, 1500000000, -80, 5, b1, 1500000000, -80, 5);
    expect(compactChannelRows(rowsWith(100000, 165535), -3, true)!).toMatchObject({ biasBits: 16, biasBase: 132768 });
    expect(compactChannelRows(rowsWith(100000, 165536), -3, true)!.biasBits).toBe(32);
    // Negative, spanning 65535 with an odd sum: base ceil(-65537 / 2) = -32768, offsets -32768, 32767.
    expect(compactChannelRows(rowsWith(-65536, -1), -3, true)!).toMatchObject({ biasBits: 16, biasBase: -32768 });
    expect(Array.from(compact.multiplier)).toEqual([1500000000, 1200000000, 0]);
    expect(Array.from(compact.shiftCode)).toEqual([5, -71, 0]);
    expect(Array.from(expandChannelRows(compact))).toEqual(Array.from(rows));
    // A rounding constant other than 2^(shift-1) + out_zp * 2^shift cannot be rebuilt.
    expect(compactChannelRows(Int32Array.of(1000, 1500000000, -79, 5), -3, true)).toBeUndefined();
    // A generic spec shift outside [-64, 63] has no code.
    expect(compactChannelRows(Int32Array.of(1000, 1500000000, -3, 256 + 64), -3, true)).toBeUndefined();
    // Without biases (FULLY_CONNECTED), a row with a bias is not compactable; one without is {mult, shift}.
    expect(compactChannelRows(Int32Array.of(7, 1500000000, -80, 5), -3, false)).toBeUndefined();
    const fullyConnected = compactChannelRows(Int32Array.of(0, 1500000000, -80, 5), -3, false)!;
    expect([fullyConnected.bias, Array.from(fullyConnected.multiplier), Array.from(fullyConnected.shiftCode)]).toEqual([undefined, [1500000000], [5]]);
  });
});
