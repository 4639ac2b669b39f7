/**
 * The op registry (src/ops/index.ts): versions and op types follow from it, MAC counts
 * dispatch through it, and the builder adds any registered op through its generic `op`.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, OP_REGISTRY, OP_VERSIONS, buildReferenceModel, graphMacs, opMacs, q, runQGraph } from '../src/index.js';

describe('op registry', () => {
  it('defines OP_VERSIONS: one entry per registered op, with its version', () => {
    expect(Object.keys(OP_VERSIONS)).toEqual(Object.keys(OP_REGISTRY));
    for (const [type, definition] of Object.entries(OP_REGISTRY)) expect(OP_VERSIONS[type as keyof typeof OP_VERSIONS]).toBe(definition.version);
  });

  it('lets only RESHAPE alias its input and only ADD run in place (what the arena planner relies on)', () => {
    const types = (pick: (m: { outputAliasesInput: boolean; mayRunInPlace: boolean }) => boolean) =>
      Object.entries(OP_REGISTRY).filter(([, d]) => pick(d.memory)).map(([t]) => t);
    expect(types((m) => m.outputAliasesInput)).toEqual(['RESHAPE']);
    expect(types((m) => m.mayRunInPlace)).toEqual(['ADD']);
  });

  it('counts the MACs of dscnn as worked out by hand', () => {
    const g = buildReferenceModel('dscnn');
    // 28x28x1 input; 3x3 stride-2 conv to 14x14x16: 14·14·16·9; dw 3x3: 14·14·16·9;
    // pw 16→32: 14·14·32·16; dw stride 2 to 7x7: 7·7·32·9; pw 32→64: 7·7·64·32;
    // dw: 7·7·64·9; pw 64→64: 7·7·64·64; dense 64→10: 640; MEAN and SOFTMAX: none.
    const byHand = 14 * 14 * 16 * 9 + 14 * 14 * 16 * 9 + 14 * 14 * 32 * 16 + 7 * 7 * 32 * 9 + 7 * 7 * 64 * 32 + 7 * 7 * 64 * 9 + 7 * 7 * 64 * 64 + 640;
    expect(graphMacs(g)).toBe(byHand);
    expect(g.ops.map((op) => opMacs(g, op)).filter((m) => m > 0)).toHaveLength(8);
  });

  it('builds and runs an op added through the generic GraphBuilder.op', () => {
    const b = new GraphBuilder('generic');
    const x = b.input('x', [1, 2, 2, 1], q(0.5, 0));
    const options = { filterH: 2, filterW: 2, strideH: 1, strideW: 1, padding: 'VALID' as const, activation: 'NONE' as const };
    b.output(b.op('MAX_POOL_2D', 'max', [x], options, [1, 1, 1, 1], q(0.5, 0)));
    const g = b.build();
    expect(g.ops[0]).toMatchObject({ type: 'MAX_POOL_2D', version: OP_VERSIONS.MAX_POOL_2D });
    expect(Array.from(runQGraph(g, [Int8Array.of(1, 5, -3, 2)]).outputs[0])).toEqual([5]);
  });
});
