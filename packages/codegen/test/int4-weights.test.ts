/**
 * W4A8 in the generated C: int4 weights stay packed two per byte (element 2k in the low
 * nibble, TFLite's order) in flash, int8 layers of the same graph keep int8 arrays, and each
 * op's reported constant bytes shrink by the weights' half.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, buildReferenceModel, q, randomGraph, type QuantScheme } from '@edgeq/ir';
import { decideFastOp, generateModel, int4RowPairs, planFcAddOps } from '../src/index.js';

const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };
const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };

/** The values of the `static const <type> <name>[n]` array whose name contains `role`, in op `declarations`. */
function arrayOf(declarations: string[], role: string): { type: string; values: number[] } {
  const d = declarations.find((text) => new RegExp(`^static const \\w+ \\w*${role}\\w*\\[`).test(text));
  if (!d) throw new Error(`no ${role} array in ${declarations.join('\n')}`);
  const type = /^static const (\w+)/.exec(d)![1];
  const body = d.slice(d.indexOf('{') + 1, d.lastIndexOf('}'));
  return { type, values: body.split(',').map((v) => Number(v.trim().replace(/u$/, ''))).filter((v) => !Number.isNaN(v)) };
}

/** FULLY_CONNECTED 3 -> 3 with the given weight width (the 3x3 matrix of test/ops-hand.test.ts). */
function fc(bits: 4 | 8, scheme: QuantScheme = FP32) {
  const b = new GraphBuilder('fc', scheme);
  const x = b.input('x', [1, 3], q(1, 0));
  b.output(b.fullyConnected(x, { name: 'fc', weights: Int8Array.from([-8, 7, 1, 2, -3, 4, 5, -6, 7]), weightBits: bits, weightShape: [3, 3], weightScales: [1, 1, 1], bias: new Int32Array(3), out: q(16, 0) }));
  return b.build();
}

describe('int4 weights in the generated C', () => {
  it('are packed two per byte, element 2k in the low nibble, for the _s4 reference kernel', async () => {
    // -8 = 0x8 (low), 7 = 0x7 (high): 0x78 = 120; 1, 2: 0x21 = 33; -3 = 0xD, 4: 0x4D = 77;
    // 5, -6 = 0xA: 0xA5 = 165; 7 and a zero padding nibble: 0x07 = 7.
    const model = await generateModel(fc(4));
    const op = model.ops[0];
    expect(arrayOf(op.declarations, 'weights')).toEqual({ type: 'uint8_t', values: [0x78, 0x21, 0x4d, 0xa5, 0x07] });
    expect(op.call).toMatch(/^edgeq_fully_connected_s4\(/);
    const int8 = await generateModel(fc(8));
    expect(arrayOf(int8.ops[0].declarations, 'weights')).toEqual({ type: 'int8_t', values: [-8, 7, 1, 2, -3, 4, 5, -6, 7] });
    // Everything else of the op is the same: the flash difference is the weights' 9 - 5 bytes.
    expect(int8.ops[0].constBytes - op.constBytes).toBe(4);
  });

  it('leave the int8 layers of a mixed graph as they were (reference kernels: fp32)', async () => {
    const seen = new Set<boolean>();
    for (const seed of [3, 4, 5, 6]) {
      const g = randomGraph(seed, { weightBits: 'mixed', scheme: FP32 });
      const model = await generateModel(g);
      for (const op of model.ops) {
        const graphOp = g.ops[op.index];
        if (!['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(graphOp.type)) continue;
        const int4 = g.tensors[graphOp.inputs[1]].dtype === 'int4';
        seen.add(int4);
        expect(arrayOf(op.declarations, 'weights').type, `seed ${seed} ${graphOp.name}`).toBe(int4 ? 'uint8_t' : 'int8_t');
        expect(op.call, `seed ${seed} ${graphOp.name}`).toMatch(int4 ? /_s4\(/ : /_s8\(/);
      }
    }
    expect([...seen].sort()).toEqual([false, true]);
  });
});

describe('the specialised int4 kernel (edgeq_fully_connected_s4)', () => {
  it('packs rows in pairs and inputs in groups of 8: byte j of a word holds w[k+j] low, w[k+4+j] high', () => {
    const w = [
      1, 2, 3, 4, 5, 6, 7, -8, -1, // row 0
      -2, -3, 0, 0, 0, 0, 0, 7, 3, // row 1
      7, 0, 0, 0, 0, 0, 0, 0, -8, // row 2 (its pair's second row is a zero phantom)
    ];
    // 9 inputs: groups 0..7 and 8 (+ 7 zero-padded inputs). Pair 0, group 0, row 0: 1 | 5 << 4 = 0x51 = 81,
    // 2 | 6 << 4 = 98, 3 | 7 << 4 = 115, 4 | (-8 & 15) << 4 = 0x84 = 132; row 1: -2 & 15 = 14, -3 & 15 = 13,
    // 0, 0 | 7 << 4 = 112. Group 1: row 0 -1 & 15 = 15; row 1 3. Pair 1, group 0: row 2 7, phantom 0;
    // group 1: row 2 -8 & 15 = 8, phantom 0.
    expect(Array.from(int4RowPairs(w, 3, 9))).toEqual([
      81, 98, 115, 132, 14, 13, 0, 112, 15, 0, 0, 0, 3, 0, 0, 0,
      7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it('plans FULLY_CONNECTED and 1x1 CONV_2D on edgeq_fully_connected_s4, other CONV_2D on edgeq_conv_im2col_s4, depthwise on the int8 rows kernel after an unpack', async () => {
    const b = new GraphBuilder('mixed', TFLM);
    let x = b.input('x', [1, 4, 4, 3], q(0.05, 3));
    const conv = (name: string, k: number, cout: number, bits: 4 | 8) => {
      const cin = b.shapeOf(x)[3];
      x = b.conv2d(x, { name, weights: Int8Array.from({ length: cout * k * k * cin }, (_, i) => ((i * 5) % 15) - 7), weightBits: bits, weightShape: [cout, k, k, cin], weightScales: Array(cout).fill(0.02), bias: new Int32Array(cout), out: q(0.1, 0) });
    };
    conv('c3', 3, 4, 4);
    conv('pw', 1, 6, 4);
    x = b.depthwiseConv2d(x, { name: 'dw', weights: Int8Array.from({ length: 9 * 6 }, (_, i) => (i % 15) - 7), weightBits: 4, weightShape: [1, 3, 3, 6], weightScales: Array(6).fill(0.05), bias: new Int32Array(6), out: q(0.1, 0) });
    conv('pw8', 1, 4, 8);
    x = b.reshape('flat', x, [1, 64]);
    x = b.fullyConnected(x, { name: 'fc', weights: Int8Array.from({ length: 640 }, (_, i) => (i % 16) - 8), weightBits: 4, weightShape: [10, 64], weightScales: [0.01], bias: new Int32Array(10), out: q(0.2, 0) });
    b.output(x);
    const g = b.build();
    const choices = planFcAddOps(g, 'tflm', 'speed');
    const fnOf = (i: number) => choices.get(i)?.plan?.fn ?? choices.get(i)?.reason;
    expect(choices.has(0)).toBe(false); // a 3x3 int4 conv: the conv planner's (fast-kernels.ts)
    expect(decideFastOp(g, g.ops[0], 'tflm').plan?.fn).toBe('edgeq_conv_im2col_s4_tflm');
    expect(fnOf(1)).toBe('edgeq_fully_connected_s4_tflm');
    expect(decideFastOp(g, g.ops[1], 'tflm').plan).toBeUndefined();
    expect(choices.has(2)).toBe(false);
    // Depthwise: the int8-weight kernel, its 54 weights packed in flash (27 B) and unpacked into scratch after the kernel's own.
    const dw = decideFastOp(g, g.ops[2], 'tflm').plan!;
    expect(dw.fn).toMatch(/^edgeq_depthwise_conv_rows_s8_tflm/);
    expect(dw.weights).toBeInstanceOf(Uint8Array);
    expect(dw.weights).toHaveLength(27);
    expect(dw.int4Unpack?.count).toBe(54);
    expect(dw.scratchBytes).toBe(dw.int4Unpack!.offset + 56);
    expect(choices.has(3)).toBe(false); // int8 weights: the conv planner's
    expect(fnOf(5)).toBe('edgeq_fully_connected_s4_tflm');
    const model = await generateModel(g);
    expect(model.ops.map((op) => /^(?:\/\*.*?\*\/ )?\{?\s*(?:edgeq_fc_fast_params params = \w+; params.requant = .*?; )?(\w+)\(/.exec(op.call)?.[1])).toEqual([
      'edgeq_conv_im2col_s4_tflm', 'edgeq_fully_connected_s4_tflm', expect.stringMatching(/^edgeq_depthwise_conv_rows_s8_tflm/), expect.stringMatching(/^edgeq_conv_im2col_s8_tflm/), 'edgeq_copy_s8', 'edgeq_fully_connected_s4_tflm',
    ]);
    // The pointwise int4 layer's weights: 3 pairs x 1 group x 8 bytes = 24, a third of the int16 6 x 4 x 2 = 48 its int8 twin takes.
    expect(arrayOf(model.ops[1].declarations, 'weights')).toMatchObject({ type: 'uint8_t' });
    expect(arrayOf(model.ops[1].declarations, 'weights').values).toHaveLength(24);
  });
});

describe('flash per layer', () => {
  it('each weighted op reports its weight bytes and width, in the op record and the generated C', async () => {
    const [w4, w8] = [await generateModel(fc(4)), await generateModel(fc(8))];
    expect(w4.ops[0].weights).toEqual({ bytes: 5, bits: 4 });
    expect(w8.ops[0].weights).toEqual({ bytes: 9, bits: 8 });
    expect(w4.ops[0].flashNote).toBe(`constants ${w4.ops[0].constBytes} B (weights 5 B, int4)`);
    expect(w4.files.get('model.c')).toContain(`/* 0: FULLY_CONNECTED fc: constants ${w4.ops[0].constBytes} B (weights 5 B, int4) */`);
  });

  it.each(['dscnn', 'mbv2mini'] as const)('%s: every int4 layer holds at most half its int8 weight bytes (--optimize size), plus the kernels\' padding', async (name) => {
    const [w8, w4] = await Promise.all([8, 4].map((bits) => generateModel(buildReferenceModel(name, TFLM, 1, bits as 4 | 8), { optimize: 'size' })));
    let [sum8, sum4] = [0, 0];
    w8.ops.forEach((op, i) => {
      if (!op.weights) return;
      const int4 = w4.ops[i].weights!;
      expect(int4.bits).toBe(4);
      // Padding: the row-pair packing rounds each row pair to groups of 8 weights (a 3x3x1 first layer: 9 -> 16).
      expect(int4.bytes, `${name} op ${i}`).toBeLessThanOrEqual(op.weights.bytes / 2 + (op.weights.bytes < 256 ? 64 : 0));
      [sum8, sum4] = [sum8 + op.weights.bytes, sum4 + int4.bytes];
    });
    expect(sum4 / sum8).toBeLessThanOrEqual(0.52);
  });
});
