// Build-time choice of runtime-c's specialised kernels: which ops take them, when the
// generator keeps the reference kernel, and that their scratch fits the arena plan.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, type QuantScheme } from '@edgeq/ir';
import { generateModel, planFastOp } from '../src/index.js';

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

  it('keeps the reference kernel when a fast formula would not be exact or the shape is unsupported', () => {
    const g = buildReferenceModel('dscnn', TFLM, 1);
    const pw = g.ops.findIndex((op) => op.name === 'pw2');
    // A right shift of 0 (multiplier >= 0.5 scale ratio) has no fast tflm form.
    const shifted = structuredClone(g);
    const t = shifted.tensors[shifted.ops[pw].outputs[0]];
    t.quant!.scale = t.quant!.scale.map((s) => s / 4096);
    expect(planFastOp(shifted, shifted.ops[pw], 'tflm')).toBeUndefined();
    // single rounding needs a right shift of at least 2; pow2 and tflm at least 1.
    expect(planFastOp(g, g.ops[pw], 'single')?.kind).toBe('pointwise');
  });

  it('tflm weights and biases are stored doubled (the kernels accumulate 2 * acc)', () => {
    const g = buildReferenceModel('dscnn', TFLM, 1);
    const op = g.ops.find((o) => o.name === 'dw2')!;
    const tflm = planFastOp(g, op, 'tflm')!;
    const single = planFastOp(g, op, 'single')!;
    expect(Array.from(tflm.weights)).toEqual(Array.from(single.weights, (v) => 2 * v));
    expect(tflm.channelConstants[0]).toBe(2 * single.channelConstants[0]);
  });
});
