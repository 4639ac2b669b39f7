/**
 * The fast conv kernels end to end: seeded chains of convolutions (support/fast-kernel-graphs.ts)
 * that take every fast path the planner has (first layers of 1-3 channels with non-square
 * kernels, 3x3 depthwise at stride 1 and 2, 1x1 into and out of multiples of 8 channels,
 * dilation 2, odd output channel counts, channels on the generic requantisation), in every
 * fast mode, both weight storages and --optimize size (compact requantisation rows), must compute
 * exactly what the interpreter computes: on the host under ASan+UBSan and under QEMU on
 * Cortex-M0 (ARMv6-M assembly loops where runtime-c has them, portable C elsewhere), M4 and
 * M33 (DSP).
 * Few runs, each a chain of six ops: runtime-c's kernel tests cover every variant case by case.
 */
import { describe, expect, it } from 'vitest';
import { decideFastOp, type FastMode, type WeightStorage } from '@edgeq/codegen';
import { deviceParity, getCortexMTarget, hostParity } from '@edgeq/harness';
import { buildReferenceModel } from '@edgeq/ir';
import { FAST_MODE_SCHEMES, fastKernelChain } from './support/fast-kernel-graphs.js';
import { inputsFor } from './support/parity-inputs.js';

const SCHEMES = FAST_MODE_SCHEMES;
const VECTORS = 6;

/** `size`: --optimize size (int8 weights and compact requantisation rows expanded at run time). */
interface Run { mode: FastMode; storage: WeightStorage; seed: number; optimize?: 'size' }

/** Codegen options of a run: --optimize size, or the weight storage alone. */
const codegenOf = (run: Run) => (run.optimize ? { optimize: run.optimize } : { weightStorage: run.storage });

function chainOf({ mode, seed }: Run) {
  return fastKernelChain(seed, SCHEMES[mode]);
}

describe('fast kernel chains: every conv op is planned on a fast kernel', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i', (seed) => {
    for (const mode of ['tflm', 'single', 'pow2'] as FastMode[]) {
      const g = chainOf({ mode, storage: 'int8', seed });
      const fns = g.ops.map((op) => {
        const d = decideFastOp(g, op, mode, { weightStorage: 'int8' });
        expect(d.plan, `${op.name}: ${d.plan ? '' : d.reason}`).toBeDefined();
        return d.plan!.fn;
      });
      expect(fns[1]).toMatch(new RegExp(`^edgeq_depthwise_conv_(3x3|rows)_s8_${mode}(_clamp)?_mixed$`));
      expect(fns[3]).toMatch(new RegExp(`^edgeq_pointwise_conv_w8_s8_${mode}(_clamp)?_mixed$`));
      expect(decideFastOp(g, g.ops[3], mode).plan!.fn).toMatch(/^edgeq_pointwise_conv_s8_/);
      // The first layer and the dilated 3x3 go through the column, int8 weights in int8 storage.
      for (const i of [0, 4]) {
        expect(fns[i]).toMatch(new RegExp(`^edgeq_conv_im2col_w8_s8_${mode}(_clamp)?$`));
        expect(decideFastOp(g, g.ops[i], mode).plan!.fn).toMatch(new RegExp(`^edgeq_conv_im2col_s8_${mode}(_clamp)?$`));
      }
    }
  });
});

describe('fast kernel chains: generated C == interpreter on the host (gcc, ASan+UBSan)', () => {
  const runs: Run[] = [
    { mode: 'tflm', storage: 'int8', seed: 12, optimize: 'size' }, { mode: 'single', storage: 'int16', seed: 13 }, { mode: 'pow2', storage: 'int8', seed: 16 },
  ];
  it.each(runs)('$mode, $storage weights, seed $seed, optimize $optimize', async (run) => {
    const g = chainOf(run);
    const r = await hostParity(g, inputsFor(g, run.seed, VECTORS), { sanitize: true, codegen: codegenOf(run) });
    expect(r.stats.exactVectors, `${r.line} ${JSON.stringify(r.firstDifferingOp)}`).toBe(VECTORS);
  }); // vitest.config.ts allows 600 s: a cold ASan build of every kernel took over 120 s at load ~20
});

describe('W4A8 reference models (int4 weights): generated C == interpreter on the host (gcc, ASan+UBSan)', () => {
  // Cortex-M runs of the same models: packages/harness/test/cortexm-parity.test.ts.
  it.each([
    ['dscnn', 'tflm', 'speed'], ['dscnn', 'fp32', 'speed'], ['mbv2mini', 'pow2', 'size'], ['mbv2mini', 'single', 'speed'],
  ] as const)('%s, %s, optimize %s', async (name, mode, optimize) => {
    const g = buildReferenceModel(name, mode === 'fp32' ? { scales: 'fixed', rounding: 'fp32' } : SCHEMES[mode], 2, 4);
    const r = await hostParity(g, inputsFor(g, 31, VECTORS), { sanitize: true, codegen: { optimize } });
    expect(r.stats.exactVectors, `${r.line} ${JSON.stringify(r.firstDifferingOp)}`).toBe(VECTORS);
  });
});

describe('fast kernel chains: generated C == interpreter under QEMU', () => {
  const runs: Array<Run & { core: string }> = [
    { core: 'cortex-m0', mode: 'tflm', storage: 'int8', seed: 21, optimize: 'size' },
    { core: 'cortex-m4', mode: 'tflm', storage: 'int16', seed: 23 },
    { core: 'cortex-m4', mode: 'single', storage: 'int8', seed: 24, optimize: 'size' },
    { core: 'cortex-m33', mode: 'pow2', storage: 'int16', seed: 27 },
  ];
  it.each(runs)('$core, $mode, $storage weights, seed $seed, optimize $optimize', async (run) => {
    const g = chainOf(run);
    const r = await deviceParity(g, inputsFor(g, run.seed, VECTORS), { target: getCortexMTarget(run.core), codegen: codegenOf(run) });
    expect(r.stats.exactVectors, r.line).toBe(VECTORS);
  }, 180_000);
});
