/**
 * Shared body of the random-graph property tests: for a range of seeds, generated C
 * compiled with gcc under ASan+UBSan must compute exactly what the interpreter computes,
 * on every output, and the interpreter's WebAssembly kernels exactly what its TypeScript
 * kernels compute, on every tensor. The graphs of a chunk of seeds are compiled into one
 * binary (test/support/batch-parity.ts); a graph that differs is run again on its own with
 * the host harness, whose report (and first differing op) the failure message carries.
 */
import { describe, expect, it } from 'vitest';
import { Interpreter, inputVectorTensors, randomGraph, tensorDataBytes, type QGraph, type QuantScheme, type RandomGraphOptions, type InputVector } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';
import { batchHostOutputs, type BatchOutput } from './batch-parity.js';
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

/**
 * Vectors whose every output byte from the generated C (`output`: all outputs of each vector
 * back to back) equals the interpreter's; 0 when the binary failed on this graph.
 */
function exactVectors(g: QGraph, vectors: readonly InputVector[], output: BatchOutput): number {
  if (output.output === undefined) return 0;
  const interpreter = new Interpreter(g, { validate: false });
  const vectorBytes = output.output.length / vectors.length;
  return vectors.filter((vector, v) => {
    const expected = interpreter.run(inputVectorTensors(g, vector)).outputs.map(tensorDataBytes);
    const actual = output.output!.subarray(v * vectorBytes, (v + 1) * vectorBytes);
    let at = 0;
    return expected.every((bytes) => {
      const same = bytes.every((b, i) => b === actual[at + i]);
      at += bytes.length;
      return same;
    }) && at === vectorBytes;
  }).length;
}

const CHUNK = 25;

/** Register the property test for `count` graphs of one scheme (and generator options). */
export function randomParitySuite(label: string, scheme: QuantScheme, count: number, options: RandomGraphOptions = {}): void {
  describe(`random graphs, ${label}: interpreter == gcc (ASan+UBSan)`, () => {
    for (let start = 1; start <= count; start += CHUNK) {
      const end = Math.min(count, start + CHUNK - 1);
      it(`seeds ${start}..${end}`, async () => {
        const seeds = Array.from({ length: end - start + 1 }, (_, k) => start + k);
        const graphs = seeds.map((seed) => randomGraph(seed, { ...options, scheme }));
        const vectors = seeds.map((seed, k) => inputVectorsFor(graphs[k], seed));
        const outputs = await batchHostOutputs(graphs.map((graph, k) => ({ graph, inputs: vectors[k] })));
        for (const [k, seed] of seeds.entries()) {
          const g = graphs[k];
          const exact = exactVectors(g, vectors[k], outputs[k]);
          if (exact !== VECTORS) {
            const report = await hostParity(g, vectors[k], { sanitize: true }).catch((e: unknown) => ({ line: String(e), firstDifferingOp: undefined }));
            const where = report.firstDifferingOp ? ` first differing op: ${JSON.stringify(report.firstDifferingOp)}` : '';
            const batch = outputs[k].error ?? `${exact}/${VECTORS} vectors bit-exact`;
            expect(exact, `seed ${seed} (${label}): batch binary: ${batch}; on its own: ${report.line}${where}`).toBe(VECTORS);
          }
          expect(kernelDifferences(g, vectors[k]), `seed ${seed} (${label}): WebAssembly vs TypeScript kernels`).toEqual([]);
        }
      }, 600_000);
    }
  });
}
