/**
 * Shared body of the random-graph property tests: for a range of seeds, generated C
 * compiled with gcc under ASan+UBSan must compute exactly what the interpreter computes,
 * on every output, and the interpreter's WebAssembly kernels exactly what its TypeScript
 * kernels compute, on every tensor.
 */
import { describe, expect, it } from 'vitest';
import { Interpreter, inputVectorTensors, randomGraph, type QGraph, type QuantScheme, type RandomGraphOptions, type InputVector } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';
import { VECTORS, inputVectorsFor } from './parity-inputs.js';

/**
 * Tensors (by name, first vector first) where the WebAssembly kernels and the TypeScript
 * kernels of the interpreter differ on `vectors`; empty when they agree on every tensor.
 */
export function kernelDifferences(g: QGraph, vectors: InputVector[]): string[] {
  const [typescript, wasm] = (['typescript', 'wasm'] as const).map((kernels) => new Interpreter(g, { validate: false, kernels }));
  const differing: string[] = [];
  vectors.forEach((vector, v) => {
    const inputs = inputVectorTensors(g, vector);
    const a = typescript.run(inputs, { keepIntermediates: true }).intermediates!;
    const b = wasm.run(inputs, { keepIntermediates: true }).intermediates!;
    for (const [t, x] of a) {
      const y = b.get(t)!;
      if (x.length !== y.length || x.some((e, i) => e !== y[i])) differing.push(`vector ${v}: ${g.tensors[t].name}`);
    }
  });
  return differing;
}

const CHUNK = 25;

/** Register the property test for `count` graphs of one scheme (and generator options). */
export function randomParitySuite(label: string, scheme: QuantScheme, count: number, options: RandomGraphOptions = {}): void {
  describe(`random graphs, ${label}: interpreter == gcc (ASan+UBSan)`, () => {
    for (let start = 1; start <= count; start += CHUNK) {
      const end = Math.min(count, start + CHUNK - 1);
      it(`seeds ${start}..${end}`, async () => {
        for (let seed = start; seed <= end; seed++) {
          const g = randomGraph(seed, { ...options, scheme });
          const report = await hostParity(g, inputVectorsFor(g, seed), { sanitize: true });
          const where = report.firstDifferingOp ? ` first differing op: ${JSON.stringify(report.firstDifferingOp)}` : '';
          expect(report.stats.exactVectors, `seed ${seed} (${label}): ${report.line}${where}`).toBe(VECTORS);
          expect(kernelDifferences(g, inputVectorsFor(g, seed)), `seed ${seed} (${label}): WebAssembly vs TypeScript kernels`).toEqual([]);
        }
      }, 600_000);
    }
  });
}
