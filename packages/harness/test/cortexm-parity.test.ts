// Generated firmware on every emulated Cortex-M core: the reference models'
// generated C (codegen + runtime-c) built with the firmware harness, run under
// QEMU, and compared bit for bit with the integer interpreter. Kept to a few
// dozen vectors per core so the file stays fast; bench/mcu.ts runs >= 1,000.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { Interpreter, buildReferenceModel, mulberry32, type QuantScheme } from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';
import {
  CORTEX_M_TARGET_IDS,
  RamFitError,
  describeRamFit,
  deviceParity,
  getCortexMTarget,
  parseFirmwareSummary,
  ramFit,
  runFirmware,
  writeDeviceFirmwareDir,
} from '../src/targets/index.js';

const FIXED_TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };

/** Random int8 images plus all-black and all-white ones (saturation corners). */
function images(count: number, seed: number): Int8Array[] {
  const rand = mulberry32(seed);
  const out = [new Int8Array(784).fill(-128), new Int8Array(784).fill(127)];
  while (out.length < count) out.push(Int8Array.from({ length: 784 }, () => Math.floor(rand() * 256) - 128));
  return out;
}

/** One dscnn parity run per target, shared by the tests that need it (started on first use). */
const dscnnRuns = new Map<string, ReturnType<typeof deviceParity>>();
function dscnnOn(id: string): ReturnType<typeof deviceParity> {
  let run = dscnnRuns.get(id);
  if (!run) {
    run = deviceParity(buildReferenceModel('dscnn', FIXED_TFLM, 1), images(24, 11), { target: getCortexMTarget(id) });
    dscnnRuns.set(id, run);
  }
  return run;
}

describe.each(CORTEX_M_TARGET_IDS)('generated dscnn on %s', (id) => {
  it('is bit-exact with the interpreter and fits', async () => {
    const r = await dscnnOn(id);
    console.log(`${id} dscnn: ${r.line}; ${r.profile.instructionsPerInference} instructions/inference; ` +
      `stack ${r.profile.stackPeak} B; arena ${r.build.arena} B; flash ${r.build.sections.flash} B`);
    expect(r.stats.mismatchedElements).toBe(0);
    expect(r.stats.exactVectors).toBe(24);
    expect(r.build.arena).toBe(r.model.plan.arenaBytes);
    expect(r.profile.perOp).toHaveLength(10);
    expect(r.build.groups.model.rodata).toBeGreaterThanOrEqual(r.model.constBytes);
  });
});

describe('cortex-m0-mps2: Cortex-M0 code on the MPS2 AN385 memory map', () => {
  it('executes the instructions the micro:bit executes, op by op', async () => {
    const [microbit, mps2] = await Promise.all([dscnnOn('cortex-m0'), dscnnOn('cortex-m0-mps2')]);
    // Same -mcpu, same sources: only the link addresses of the stack top and the SysTick clock
    // differ. Each mean is within one tick of the true count (62.5 and 40 instructions), plus rounding.
    const perTick = (id: string) => getCortexMTarget(id).counter.instrPerTickNum / getCortexMTarget(id).counter.instrPerTickDen;
    const slack = perTick('cortex-m0') + perTick('cortex-m0-mps2') + 1;
    console.log(`dscnn: ${microbit.profile.instructionsPerInference} instructions on the micro:bit, ${mps2.profile.instructionsPerInference} on mps2-an385`);
    expect(Math.abs(mps2.profile.instructionsPerInference - microbit.profile.instructionsPerInference)).toBeLessThanOrEqual(slack);
    mps2.profile.perOp.forEach((op, i) => expect(Math.abs(op.instructions - microbit.profile.perOp[i].instructions)).toBeLessThanOrEqual(slack));
  });

  it('runs bit-exact a model whose image the micro:bit cannot hold', async () => {
    const g = buildReferenceModel('mbv2mini', FIXED_TFLM, 3);
    const r = await deviceParity(g, images(4, 17), { target: getCortexMTarget('cortex-m0-mps2') });
    expect(r.stats.exactVectors).toBe(4);
    expect(r.stats.mismatchedElements).toBe(0);
    // The same code linked for the micro:bit needs its data, bss (with the arena) and stack in 16 KB.
    const microbit = getCortexMTarget('cortex-m0');
    const fit = ramFit(microbit, { data: r.build.sections.data, bss: r.build.sections.bss, stack: microbit.defaultStackSize, arena: r.build.arena });
    console.log(`mbv2mini on cortex-m0-mps2: ${r.line}; arena ${r.build.arena} B; ${r.profile.instructionsPerInference} instructions; micro:bit: ${describeRamFit(fit)}`);
    expect(r.build.arena).toBeGreaterThan(16 * 1024);
    expect(fit.fits).toBe(false);
  });
});

describe('kernel paths on a DSP core (Cortex-M4)', () => {
  it('portable path (EDGEQ_NO_DSP) is bit-exact too, and the DSP path executes fewer instructions', async () => {
    const g = buildReferenceModel('dscnn', FIXED_TFLM, 5);
    const target = getCortexMTarget('cortex-m4');
    const portable = await deviceParity(g, images(8, 16), { target, defines: { EDGEQ_NO_DSP: true } });
    const dsp = await deviceParity(g, images(8, 16), { target });
    expect(portable.stats.exactVectors).toBe(8);
    expect(dsp.stats.exactVectors).toBe(8);
    console.log(`cortex-m4 dscnn: portable ${portable.profile.instructionsPerInference}, dsp ${dsp.profile.instructionsPerInference} instructions`);
    expect(dsp.profile.instructionsPerInference).toBeLessThan(portable.profile.instructionsPerInference);
  });
});

describe('W4A8 reference models (int4 weights packed in flash)', () => {
  it.each([
    ['dscnn', 'cortex-m0', FIXED_TFLM, 'speed'],
    ['dscnn', 'cortex-m4', FIXED_TFLM, 'speed'],
    ['dscnn', 'cortex-m33', { scales: 'pow2', rounding: 'tflm' }, 'size'],
    ['mbv2mini', 'cortex-m4', { scales: 'fixed', rounding: 'single' }, 'size'],
  ] as const)('%s on %s (%o, optimize %s) is bit-exact', async (name, id, scheme, optimize) => {
    const g = buildReferenceModel(name, scheme, 1, 4);
    const r = await deviceParity(g, images(8, 19), { target: getCortexMTarget(id), codegen: { optimize } });
    expect(r.stats.exactVectors, r.line).toBe(8);
    const w8 = await generateModel(buildReferenceModel(name, scheme, 1), { optimize });
    console.log(`${id} ${name} W4: ${r.line}; ${r.profile.instructionsPerInference} instructions/inference; constants ${r.model.constBytes} B (W8: ${w8.constBytes} B)`);
    expect(r.model.constBytes).toBeLessThan(w8.constBytes);
  });
});

describe('generated models in every requantisation mode (Cortex-M3)', () => {
  it.each([
    ['fixed', 'single'],
    ['pow2', 'tflm'],
    ['fixed', 'fp32'],
  ] as const)('dscnn scales=%s rounding=%s is bit-exact', async (scales, rounding) => {
    const g = buildReferenceModel('dscnn', { scales, rounding }, 2);
    const r = await deviceParity(g, images(16, 12), { target: getCortexMTarget('cortex-m3') });
    expect(r.stats.exactVectors).toBe(16);
  });
});

describe('fp32 mode on a hard-float core (Cortex-M4F: VFMA must not fuse the requantisation)', () => {
  it('mbv2mini scales=fixed rounding=fp32 is bit-exact', async () => {
    const r = await deviceParity(buildReferenceModel('mbv2mini', { scales: 'fixed', rounding: 'fp32' }, 3), images(8, 15), { target: getCortexMTarget('cortex-m4') });
    expect(r.stats.exactVectors).toBe(8);
  });
});

describe('mbv2mini', () => {
  it.each(['cortex-m4', 'cortex-m33'])('is bit-exact on %s', async (id) => {
    const r = await deviceParity(buildReferenceModel('mbv2mini', FIXED_TFLM, 3), images(12, 13), { target: getCortexMTarget(id) });
    console.log(`${id} mbv2mini: ${r.line}; arena ${r.build.arena} B`);
    expect(r.stats.exactVectors).toBe(12);
  });

  it('is refused on the micro:bit before running, with sizes and shortfall', async () => {
    const err = await deviceParity(buildReferenceModel('mbv2mini', FIXED_TFLM, 3), images(2, 14), {
      target: getCortexMTarget('cortex-m0'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RamFitError);
    const r = (err as RamFitError).report;
    expect(r.arena).toBeGreaterThan(16 * 1024 - r.stack);
    expect(r.shortfall).toBe(r.data + r.bss + r.stack - 16 * 1024);
    console.log((err as Error).message);
    expect((err as Error).message).toMatch(/does not fit Cortex-M0 .*short by [\d,]+ B/);
  });
});

describe('standalone firmware directory', () => {
  it('builds with make (Cortex-M0) and cmake (Cortex-M33) and runs bit-exact under QEMU', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgeq-fwdir-'));
    try {
      const g = buildReferenceModel('dscnn', FIXED_TFLM, 4);
      await writeDeviceFirmwareDir(g, dir);
      const inputs = images(6, 15);
      const packed = new Uint8Array(inputs.length * 784);
      inputs.forEach((x, i) => packed.set(new Uint8Array(x.buffer), i * 784));
      await writeFile(join(dir, 'input.bin'), packed);
      const interp = new Interpreter(g);
      const expected = inputs.flatMap((x) => Array.from(interp.run([x]).outputs[0] as Int8Array));

      await execa('make', ['CORE=cortex-m0', 'OPT=-Os'], { cwd: dir });
      await execa('cmake', ['-S', '.', '-B', 'build-cmake-m33', '-DEDGEQ_CORE=cortex-m33'], { cwd: dir });
      await execa('cmake', ['--build', 'build-cmake-m33'], { cwd: dir });
      for (const [core, elf] of [
        ['cortex-m0', 'build/cortex-m0/firmware.elf'],
        ['cortex-m33', 'build-cmake-m33/firmware.elf'],
      ] as const) {
        const run = await runFirmware({ target: getCortexMTarget(core), elf: join(dir, elf), cwd: dir });
        expect(run.status, run.stdout + run.stderr).toBe('ok');
        expect(Array.from(new Int8Array(await readFile(join(dir, 'output.bin'))))).toEqual(expected);
        const summary = parseFirmwareSummary(await readFile(join(dir, 'summary.json'), 'utf8'));
        expect(summary.vectors).toBe(6);
        expect(summary.op_ticks_total).toHaveLength(g.ops.length);
      }
      const unknown = await execa('make', ['CORE=cortex-m99'], { cwd: dir, reject: false });
      expect(unknown.stderr).toMatch(/unknown CORE 'cortex-m99'; use one of: cortex-m0 cortex-m3/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
