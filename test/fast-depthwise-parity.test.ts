/**
 * The depthwise fast kernels end to end: seeded chains of DEPTHWISE_CONV_2D ops
 * (support/fast-depthwise-graphs.ts: any kernel size, stride, dilation, multiplier, padding,
 * odd channel counts, transposed shapes, channels on the generic requantisation), in every fast
 * mode and both weight storages (int8: the general kernel; int16: the planner's choice between
 * it and the 3x3 plane kernel), must compute exactly what the interpreter computes: on the host
 * under ASan+UBSan and under QEMU on Cortex-M0 (portable C), M4 and M33 (DSP).
 */
import { describe, expect, it } from 'vitest';
import { decideFastOp, type FastMode, type WeightStorage } from '@edgeq/codegen';
import { deviceParity, getCortexMTarget, hostParity } from '@edgeq/harness';
import { fastDepthwiseChain } from './support/fast-depthwise-graphs.js';
import { FAST_MODE_SCHEMES } from './support/fast-kernel-graphs.js';
import { inputsFor } from './support/parity-inputs.js';

const SCHEMES = FAST_MODE_SCHEMES;
const VECTORS = 4;

interface Run { mode: FastMode; storage: WeightStorage; seed: number }

describe('fast depthwise chains: every op is planned on a fast kernel, a few failing channels included', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i', (seed) => {
    for (const mode of ['tflm', 'single', 'pow2'] as FastMode[]) {
      const g = fastDepthwiseChain(seed, SCHEMES[mode]);
      for (const storage of ['int8', 'int16'] as WeightStorage[]) {
        const fns = g.ops.map((op) => {
          const d = decideFastOp(g, op, mode, { weightStorage: storage });
          expect(d.plan, `${op.name}: ${d.plan ? '' : d.reason}`).toBeDefined();
          return d.plan!.fn;
        });
        if (storage === 'int8') for (const fn of fns) expect(fn).toMatch(/^edgeq_depthwise_conv_rows_s8_/);
        expect(fns[0]).toMatch(new RegExp(`^edgeq_depthwise_conv_(rows|3x3)_s8_${mode}(_clamp)?_mixed$`));
      }
    }
  });
});

describe('fast depthwise chains: generated C == interpreter on the host (gcc, ASan+UBSan)', () => {
  const runs: Run[] = [
    { mode: 'tflm', storage: 'int8', seed: 31 }, { mode: 'single', storage: 'int16', seed: 32 }, { mode: 'pow2', storage: 'int8', seed: 33 },
  ];
  it.each(runs)('$mode, $storage weights, seed $seed', async (run) => {
    const g = fastDepthwiseChain(run.seed, SCHEMES[run.mode]);
    const r = await hostParity(g, inputsFor(g, run.seed, VECTORS), { sanitize: true, codegen: { weightStorage: run.storage } });
    expect(r.stats.exactVectors, `${r.line} ${JSON.stringify(r.firstDifferingOp)}`).toBe(VECTORS);
  }, 120_000);
});

describe('fast depthwise chains: generated C == interpreter under QEMU', () => {
  const runs: Array<Run & { core: string }> = [
    { core: 'cortex-m0', mode: 'pow2', storage: 'int8', seed: 41 },
    { core: 'cortex-m4', mode: 'tflm', storage: 'int8', seed: 42 },
    { core: 'cortex-m33', mode: 'single', storage: 'int16', seed: 43 },
  ];
  it.each(runs)('$core, $mode, $storage weights, seed $seed', async (run) => {
    const g = fastDepthwiseChain(run.seed, SCHEMES[run.mode]);
    const r = await deviceParity(g, inputsFor(g, run.seed, VECTORS), { target: getCortexMTarget(run.core), codegen: { weightStorage: run.storage } });
    expect(r.stats.exactVectors, r.line).toBe(VECTORS);
  }, 180_000);
});
