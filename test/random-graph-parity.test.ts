/**
 * Property test of the integer core's central promise: for hundreds of random graphs
 * (random shapes, strides, paddings, channel counts, scales, zero points, residual ADD
 * and CONCATENATION), generated C compiled with gcc under ASan+UBSan computes exactly
 * what the TypeScript interpreter computes, in every requantisation mode.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32, numElements, randomGraph, type QGraph, type QuantScheme, type TensorData } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';

const GRAPHS_PER_MODE = 200;
const CHUNK = 25;
const VECTORS = 24;

function inputsFor(g: QGraph, seed: number): TensorData[] {
  const t = g.tensors[g.inputs[0]];
  const n = numElements(t.shape);
  const r = mulberry32(seed ^ 0x5eed);
  const out: TensorData[] = [];
  for (let v = 0; v < VECTORS; v++) {
    if (t.dtype === 'float32') {
      out.push(new Float32Array(n).map(() => (r() - 0.5) * 20));
    } else if (v === 0) {
      out.push(new Int8Array(n).fill(-128));
    } else if (v === 1) {
      out.push(new Int8Array(n).fill(127));
    } else {
      out.push(new Int8Array(n).map(() => Math.floor(r() * 256) - 128));
    }
  }
  return out;
}

const MODES: [string, QuantScheme, number][] = [
  ['fixed/tflm', { scales: 'fixed', rounding: 'tflm' }, GRAPHS_PER_MODE],
  ['pow2', { scales: 'pow2', rounding: 'tflm' }, GRAPHS_PER_MODE],
  ['fixed/single', { scales: 'fixed', rounding: 'single' }, 100],
];

describe.each(MODES)('random graphs, %s: interpreter == gcc (ASan+UBSan)', (_label, scheme, count) => {
  for (let start = 1; start <= count; start += CHUNK) {
    it(`seeds ${start}..${start + CHUNK - 1}`, async () => {
      for (let seed = start; seed < start + CHUNK; seed++) {
        const g = randomGraph(seed, { scheme });
        const report = await hostParity(g, inputsFor(g, seed), { sanitize: true });
        const where = report.firstDifferingOp ? ` first differing op: ${JSON.stringify(report.firstDifferingOp)}` : '';
        expect(report.stats.exactVectors, `seed ${seed} (${scheme.scales}/${scheme.rounding}): ${report.line}${where}`).toBe(VECTORS);
      }
    }, 600_000);
  }
});
