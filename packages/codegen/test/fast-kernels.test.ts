// Build-time choice of runtime-c's specialised kernels: which ops take them, when the
// generator keeps the reference kernel, and that their scratch fits the arena plan.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, buildReferenceModel, constantData, deriveOpParams, q, type ConvLikeParams, type QuantScheme } from '@edgeq/ir';
import { decideFastOp, generateModel, planFastOp, type FastPlan } from '../src/index.js';

const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };

describe('specialised kernels', () => {
  it('dscnn: every conv and depthwise op is specialised and the arena stays at the largest input+output pair', async () => {
    const g = buildReferenceModel('dscnn', TFLM, 1);
    const kinds = g.ops.map((op) => planFastOp(g, op, 'tflm')?.kind ?? '-');
    expect(kinds).toEqual(['conv_im2col', 'depthwise_3x3', 'pointwise', 'depthwise_3x3', 'pointwise', 'depthwise_3x3', 'pointwise', '-', '-', '-']);
    const m = await generateModel(g);
    expect(m.plan.arenaBytes).toBe(9408);
    // Scratch buffers sit in gaps: none overlaps a tensor live during its op.
    for (const [op, off] of m.plan.scratchOffsets) {
      const size = planFastOp(g, g.ops[op], 'tflm')!.scratchBytes;
      for (const b of m.plan.buffers.filter((x) => x.scratchOp === undefined && x.firstUse <= op && op <= x.lastUse)) {
        expect(off + size <= b.offset || b.offset + b.size <= off, `op ${op} scratch overlaps`).toBe(true);
      }
    }
    // Requantisation constants are const data (flash), never in the arena.
    expect(m.files.get('model.c')).toMatch(/static const edgeq_channel_requant /);
  });

  it('keeps the fast kernel when a few channels fail a check: those become generic rows of the _mixed variant', () => {
    const g = buildReferenceModel('dscnn', TFLM, 1);
    const pw = g.ops.findIndex((op) => op.name === 'pw2');
    // Channel 3's scale divided by 4096: a right shift of 0 (multiplier >= 0.5 scale ratio) has no fast tflm form.
    const shifted = structuredClone(g);
    const w = shifted.tensors[shifted.ops[pw].inputs[1]];
    w.quant!.scale = w.quant!.scale.map((s, c) => (c === 3 ? s * 4096 : s));
    const plain = planFastOp(g, g.ops[pw], 'tflm')!;
    const mixed = planFastOp(shifted, shifted.ops[pw], 'tflm')!;
    expect(plain.fn).toBe('edgeq_pointwise_conv_s8_tflm');
    expect(mixed.fn).toBe('edgeq_pointwise_conv_s8_tflm_mixed');
    expect(mixed.reason).toMatch(/^1x1 stride 1: 1 of \d+ channels on the reference requantisation \(channel 3: right shift -?\d+ outside \[1, 31\]\)$/);
    const row = (p: FastPlan, c: number) => Array.from(p.channelConstants.subarray(4 * c, 4 * c + 4));
    // The generic row: bias not doubled, the spec multiplier, the output zero point, 256 + the spec shift.
    const params = deriveOpParams(shifted, shifted.ops[pw]) as ConvLikeParams;
    expect(row(mixed, 3)).toEqual([plain.channelConstants[12] / 2, params.requant.multiplier[3], params.outZp, 256 + params.requant.shift[3]]);
    // Every other row is unchanged, and only channel 3's weights are stored undoubled.
    for (const c of [0, 1, 2, 4, 5]) expect(row(mixed, c)).toEqual(row(plain, c));
    const differing = Array.from(mixed.weights).flatMap((v, i) => (v === plain.weights[i] ? [] : [i]));
    expect(differing.length).toBeGreaterThan(0);
    for (const i of differing) expect(2 * mixed.weights[i]).toBe(plain.weights[i]);
    // single rounding needs a right shift of at least 2; pow2 and tflm at least 1.
    expect(planFastOp(g, g.ops[pw], 'single')?.kind).toBe('pointwise');
  });

  it('says why an op keeps the reference kernel', () => {
    const g = buildReferenceModel('dscnn', TFLM, 1);
    const fc = g.ops.find((op) => op.type === 'FULLY_CONNECTED')!;
    expect(decideFastOp(g, fc, 'tflm')).toEqual({ reason: 'FULLY_CONNECTED has no specialised kernel here' });
  });

  it('int8 storage: a 1x5 conv with 3 output channels goes through the column with int8 weights in SXTB16 lane order', () => {
    const b = new GraphBuilder('column_w8', TFLM);
    const x = b.input('x', [1, 1, 5, 1], q(0.05, 3));
    // Channel c's weights are 10c+1 .. 10c+5 (taps 0..4).
    const weights = Int8Array.from({ length: 15 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5) + 1);
    b.output(b.conv2d(x, { name: 'c', weights, weightShape: [3, 1, 5, 1], weightScales: [0.01, 0.012, 0.014], bias: Int32Array.of(100, -50, 7), out: q(0.1, -2), padding: 'VALID' }));
    const g = b.build();
    const w8 = planFastOp(g, g.ops[0], 'tflm', { weightStorage: 'int8' })!;
    const w16 = planFastOp(g, g.ops[0], 'tflm')!;
    expect([w8.kind, w8.fn, w8.weightStorage]).toEqual(['conv_im2col_w8', 'edgeq_conv_im2col_w8_s8_tflm', 'int8']);
    expect(w16.fn).toBe('edgeq_conv_im2col_s8_tflm');
    // 5 taps round up to 2 quads; per channel pair and quad t..t+3: w[t], w[t+2], w[t+1], w[t+3] of
    // each channel. Channel pair (2, phantom 3) has zero weights for the phantom.
    expect(Array.from(w8.weights)).toEqual([
      1, 3, 2, 4, 11, 13, 12, 14, 5, 0, 0, 0, 15, 0, 0, 0,
      21, 23, 22, 24, 0, 0, 0, 0, 25, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect([w8.structValues.taps, w8.scratchBytes]).toEqual([8, 32]);
    // Not doubled: the int16 plan's fast tflm biases are twice the int8 plan's; the phantom row is {0, 0, 0, 1}.
    for (const c of [0, 1, 2]) expect(w16.channelConstants[4 * c]).toBe(2 * w8.channelConstants[4 * c]);
    expect(Array.from(w8.channelConstants.subarray(12))).toEqual([0, 0, 0, 1]);
  });

  it('tflm weights and biases are stored doubled (the kernels accumulate 2 * acc)', () => {
    const g = buildReferenceModel('dscnn', TFLM, 1);
    const op = g.ops.find((o) => o.name === 'dw2')!;
    const tflm = planFastOp(g, op, 'tflm', { depthwiseKernel: 'plane' })!;
    const single = planFastOp(g, op, 'single', { depthwiseKernel: 'plane' })!;
    expect(Array.from(tflm.weights)).toEqual(Array.from(single.weights, (v) => 2 * v));
    expect(tflm.channelConstants[0]).toBe(2 * single.channelConstants[0]);
  });

  it('the general depthwise kernel keeps the model\'s int8 weights (it doubles them itself in tflm mode)', () => {
    const g = buildReferenceModel('dscnn', TFLM, 1);
    const op = g.ops.find((o) => o.name === 'dw2')!;
    const tflm = planFastOp(g, op, 'tflm', { weightStorage: 'int8' })!;
    const single = planFastOp(g, op, 'single', { weightStorage: 'int8' })!;
    expect(tflm.fn).toBe('edgeq_depthwise_conv_rows_s8_tflm');
    expect(tflm.weights).toEqual(constantData(g, op.inputs[1]));
    expect(single.weights).toEqual(tflm.weights);
    expect(tflm.channelConstants[0]).toBe(2 * single.channelConstants[0]);
  });

  it('int16 storage takes the 3x3 plane kernel on outputs not taller than wide while its scratch stays within 16 KB', () => {
    const plan = (size: [number, number], stride: number) => {
      const b = new GraphBuilder('dw', TFLM);
      const x = b.input('x', [1, ...size, 4], q(0.05, 1));
      b.output(b.depthwiseConv2d(x, {
        name: 'dw', weights: new Int8Array(9 * 4).fill(3), weightShape: [1, 3, 3, 4], weightScales: new Array(4).fill(0.01),
        bias: new Int32Array(4), out: q(0.1, 0), stride, padding: 'SAME',
      }));
      const g = b.build();
      return planFastOp(g, g.ops[0], 'tflm')!;
    };
    // 24x24 stride 1: plane 26 x 28 int16 + 577 int32 = 3764 bytes.
    expect(plan([24, 24], 1)).toMatchObject({ fn: 'edgeq_depthwise_conv_3x3_s8_tflm', scratchBytes: 26 * 28 * 2 + 577 * 4 });
    // 48x48 stride 2 (24x24 out): plane 49 x 50 int16 + 577 int32 = 7208 bytes.
    expect(plan([48, 48], 2)).toMatchObject({ fn: 'edgeq_depthwise_conv_3x3_s8_tflm', scratchBytes: 49 * 50 * 2 + 577 * 4 });
    // 64x64 stride 1: 66 x 68 int16 + 4097 int32 = 25364 bytes > 16384: the general kernel.
    expect(plan([64, 64], 1).fn).toBe('edgeq_depthwise_conv_rows_s8_tflm');
    // 30x6 stride 1: taller than wide, only the general kernel transposes.
    expect(plan([30, 6], 1).reason).toMatch(/transposed/);
  });

  it('plans every depthwise geometry (kernel size, stride, dilation, multiplier) on the general kernel, outputs taller than wide transposed', () => {
    for (const [kernel, stride, dilation, multiplier] of [[[5, 5], 1, 1, 1], [[10, 4], 2, 1, 1], [[3, 3], 1, 2, 2], [[1, 3], 3, 1, 3]] as Array<[[number, number], number, number, number]>) {
      const b = new GraphBuilder('dw', TFLM);
      const x = b.input('x', [1, 12, 9, 3], q(0.05, 1));
      const channels = 3 * multiplier;
      b.output(b.depthwiseConv2d(x, {
        name: 'dw', weights: new Int8Array(kernel[0] * kernel[1] * channels).fill(3), weightShape: [1, ...kernel, channels],
        weightScales: new Array(channels).fill(0.01), bias: new Int32Array(channels), out: q(0.1, 0), stride, dilation, padding: 'SAME',
      }, multiplier));
      const g = b.build();
      for (const weightStorage of ['int8', 'int16'] as const) {
        const plan = planFastOp(g, g.ops[0], 'tflm', { weightStorage });
        expect(plan?.fn, JSON.stringify({ kernel, stride, dilation, multiplier })).toBe('edgeq_depthwise_conv_rows_s8_tflm');
        expect(plan!.weightStorage).toBe('int8');
        // Swept along the output's longer side: its columns (the transposed image's rows) here.
        const [, outH, outW] = g.tensors[g.ops[0].outputs[0]].shape;
        expect(outH).toBeGreaterThan(outW);
        expect(plan!.structValues).toMatchObject({ out_h: outW, out_w: outH, out_row_step: channels, out_col_step: outW * channels, kernel_h: kernel[1], kernel_w: kernel[0] });
        expect(plan!.reason).toMatch(/transposed/);
      }
    }
  });
});
