// Proves the Cortex-M firmware layer on every emulated core with a small C
// "model" of known behaviour: real arm-none-eabi-gcc, real qemu-system-arm.
// Outputs are checked byte for byte against a TypeScript re-implementation,
// instruction counts against loops of known length (which also re-verifies each
// target's instructions-per-tick ratio), and every failure report is provoked
// with a deliberately broken firmware or toolchain path.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORTEX_M_TARGET_IDS,
  CompileError,
  FirmwareRunError,
  RamFitError,
  ToolchainMissingError,
  buildFirmware,
  describeRamFit,
  getCortexMTarget,
  parseFirmwareSummary,
  ramFit,
  runFirmware,
  runModelOnTarget,
  type RunModelOptions,
} from '../src/targets/index.js';

const INPUT_SIZE = 16;
const OUTPUT_SIZE = 8;
// Spin loops: exactly 2 instructions (subs + bne) per iteration.
const SPIN = [500, 700, 2000, 6000];
const OP_NAMES = ['reverse_xor', 'pair_sum_sat', 'spin_a', 'spin_b'];

const MODEL_H = `
#ifndef TM_MODEL_H
#define TM_MODEL_H
#include <stdint.h>
int8_t *tm_input(int index);
const int8_t *tm_output(int index);
int tm_invoke(void);
#endif
`;

const MODEL_C = `
#include "tm_model.h"
#include "edgeq_profile.h"

#ifndef TM_ARENA_SIZE
#define TM_ARENA_SIZE 64
#endif

int8_t tm_arena[TM_ARENA_SIZE];

static void tm_spin(uint32_t n)
{
    __asm__ volatile(".syntax unified\\n1: subs %0, %0, #1\\n\\tbne 1b" : "+l"(n) : : "cc");
}

int8_t *tm_input(int index) { (void)index; return &tm_arena[0]; }
const int8_t *tm_output(int index) { (void)index; return &tm_arena[32]; }

int tm_invoke(void)
{
    const int8_t *in = &tm_arena[0];
    int8_t *scratch = &tm_arena[16];
    int8_t *out = &tm_arena[32];
    int i;
    EDGEQ_PROFILE_BEGIN(0);
    for (i = 0; i < 16; i++) {
        scratch[i] = (int8_t)(in[15 - i] ^ 0x55);
    }
    tm_spin(${SPIN[0]}u);
    EDGEQ_PROFILE_END(0);
    EDGEQ_PROFILE_BEGIN(1);
    for (i = 0; i < 8; i++) {
        int s = scratch[2 * i] + scratch[2 * i + 1];
        out[i] = (int8_t)(s > 127 ? 127 : (s < -128 ? -128 : s));
    }
    tm_spin(${SPIN[1]}u);
    EDGEQ_PROFILE_END(1);
    EDGEQ_PROFILE_BEGIN(2);
    tm_spin(${SPIN[2]}u);
    EDGEQ_PROFILE_END(2);
    EDGEQ_PROFILE_BEGIN(3);
    tm_spin(${SPIN[3]}u);
    EDGEQ_PROFILE_END(3);
#ifdef TM_FAULT
    __asm__ volatile("udf #0");
#endif
#ifdef TM_HANG
    {
        volatile int forever = 1;
        while (forever) {
        }
    }
#endif
#ifdef TM_FAIL
    return 3;
#endif
    return 0;
}
`;

/** Independent reference of the C model above. */
function referenceModel(input: Int8Array): Int8Array {
  const n = input.length / INPUT_SIZE;
  const out = new Int8Array(n * OUTPUT_SIZE);
  for (let v = 0; v < n; v++) {
    const x = input.subarray(v * INPUT_SIZE, (v + 1) * INPUT_SIZE);
    const s = Array.from({ length: 16 }, (_, i) => ((x[15 - i] ^ 0x55) << 24) >> 24);
    for (let i = 0; i < OUTPUT_SIZE; i++) out[v * OUTPUT_SIZE + i] = Math.max(-128, Math.min(127, s[2 * i] + s[2 * i + 1]));
  }
  return out;
}

/** Deterministic pseudo-random int8 vectors (xorshift32). */
function vectors(count: number, seed: number): Int8Array {
  const a = new Int8Array(count * INPUT_SIZE);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    a[i] = (x & 0xff) << 24 >> 24;
  }
  // Saturation corners on both sides.
  a.fill(127, 0, INPUT_SIZE);
  a.fill(-128, INPUT_SIZE, 2 * INPUT_SIZE);
  return a;
}

let root: string;
let modelDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgeq-cortexm-'));
  modelDir = join(root, 'model');
  await mkdir(modelDir, { recursive: true });
  await writeFile(join(modelDir, 'tm_model.h'), MODEL_H);
  await writeFile(join(modelDir, 'tm_model.c'), MODEL_C);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function options(targetId: string, work: string, extra: Partial<RunModelOptions> = {}): RunModelOptions {
  return {
    target: getCortexMTarget(targetId),
    sources: [{ path: join(modelDir, 'tm_model.c'), group: 'model' }],
    includeDirs: [modelDir],
    prefix: 'tm',
    modelHeader: 'tm_model.h',
    inputSize: INPUT_SIZE,
    outputSize: OUTPUT_SIZE,
    opNames: OP_NAMES,
    inputs: vectors(64, 1234),
    workDir: join(root, work),
    arenaSymbol: 'tm_arena',
    timeoutMs: 30_000,
    ...extra,
  };
}

describe.each(CORTEX_M_TARGET_IDS)('firmware on %s', (id) => {
  it('builds, runs bit-exact, counts instructions deterministically, reports sizes', async () => {
    const target = getCortexMTarget(id);
    const opts = options(id, `ok-${id}`);
    const r = await runModelOnTarget(opts);

    // Outputs byte for byte.
    expect(Array.from(r.outputs)).toEqual(Array.from(referenceModel(opts.inputs as Int8Array)));
    expect(r.run.stdout).toMatch(/edgeq: 64 vectors, \d+ instructions per inference/);

    // Loops of known length: op 3 - op 2 spins 2 x (6000 - 2000) more instructions
    // through identical code, so the difference checks the ticks-to-instructions ratio.
    const p = r.profile;
    const tick = target.counter.instrPerTickNum / target.counter.instrPerTickDen;
    const diff = p.perOp[3].instructions - p.perOp[2].instructions;
    expect(Math.abs(diff - 2 * (SPIN[3] - SPIN[2]))).toBeLessThanOrEqual(2 * tick);
    for (let i = 0; i < 4; i++) {
      // Each op costs its spin plus a little work and the hook overhead (< 300 instructions).
      const extra = p.perOp[i].instructions - 2 * SPIN[i];
      expect(extra).toBeGreaterThan(-2 * tick);
      expect(extra).toBeLessThan(300 + 2 * tick);
    }
    const sumOps = p.perOp.reduce((a, o) => a + o.instructions, 0);
    expect(p.instructionsPerInference).toBeGreaterThanOrEqual(sumOps - 4 * tick);
    expect(p.instructionsPerInference).toBeLessThan(sumOps + 400);
    // Only the saturation branches depend on the data (Thumb-1 has no IT blocks).
    expect(p.instructionsMax - p.instructionsMin).toBeLessThanOrEqual(2 * tick);
    expect(p.profileOverheadPerOp).toBeGreaterThan(0);
    expect(p.profileOverheadPerOp).toBeLessThan(100);

    // Same ELF, same inputs: identical counts (QEMU -icount is deterministic).
    const summary1 = await readFile(join(opts.workDir, 'summary.json'), 'utf8');
    const again = await runFirmware({ target, elf: r.build.elf, cwd: opts.workDir });
    expect(again.status).toBe('ok');
    const summary2 = await readFile(join(opts.workDir, 'summary.json'), 'utf8');
    expect(parseFirmwareSummary(summary2)).toEqual(parseFirmwareSummary(summary1));

    // Stack high-water mark from the painted stack.
    expect(p.stackPeak).toBeGreaterThan(32);
    expect(p.stackPeak).toBeLessThan(p.stackSize);
    expect(p.stackSize).toBe(target.defaultStackSize);

    // Sizes: the map-file split adds up to arm-none-eabi-size's totals.
    const g = r.build.groups;
    const sum = (k: 'code' | 'rodata' | 'data' | 'bss') => Object.values(g).reduce((a, b) => a + b[k], 0);
    expect(sum('code') + sum('rodata')).toBe(r.build.sections.text);
    expect(sum('data')).toBe(r.build.sections.data);
    expect(sum('bss')).toBe(r.build.sections.bss);
    expect(g.model.bss).toBe(64); // the arena
    expect(g.model.code).toBeGreaterThan(0);
    expect(g.harness.code).toBeGreaterThan(0);
    expect(r.build.arena).toBe(64);
    expect(r.build.ramFit.fits).toBe(true);
    expect(r.build.ramFit.required).toBe(r.build.sections.data + r.build.sections.bss + target.defaultStackSize);
    console.log(
      `${id}: ${p.instructionsPerInference} instr/inference, ops ${p.perOp.map((o) => o.instructions).join('/')}, ` +
        `hook ${p.profileOverheadPerOp}, stack ${p.stackPeak} B, flash ${r.build.sections.flash} B, ` +
        `op3-op2 ${diff} (expect ${2 * (SPIN[3] - SPIN[2])}), qemu ${r.run.durationMs} ms`,
    );
  });
});

describe('targets that run another target\'s code (sameCodeAs)', () => {
  it('build for the same core with the same flags, on another board', () => {
    const pairs = CORTEX_M_TARGET_IDS.map((id) => getCortexMTarget(id)).filter((t) => t.sameCodeAs !== undefined);
    expect(pairs.map((t) => `${t.id}->${t.sameCodeAs}`)).toEqual(['cortex-m0-mps2->cortex-m0']);
    for (const t of pairs) {
      const original = getCortexMTarget(t.sameCodeAs as string);
      expect(t.cpuFlags).toEqual(original.cpuFlags);
      expect(t.dsp).toBe(original.dsp);
      expect(t.qemuMachine).not.toBe(original.qemuMachine);
    }
  });
});

describe('failure reports', () => {
  it('names the Debian package when arm-none-eabi-gcc is missing', async () => {
    const err = await runModelOnTarget(options('cortex-m3', 'no-gcc', { crossPrefix: '/nonexistent/bin/arm-none-eabi-' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ToolchainMissingError);
    expect((err as Error).message).toMatch(/\/nonexistent\/bin\/arm-none-eabi-gcc not found.*gcc-arm-none-eabi/);
  });

  it('names the Debian package when qemu-system-arm is missing', async () => {
    const err = await runModelOnTarget(options('cortex-m3', 'no-qemu', { qemu: '/nonexistent/qemu-system-arm' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ToolchainMissingError);
    expect((err as ToolchainMissingError).debianPackage).toBe('qemu-system-arm');
  });

  it('reports a compile error with the compiler message', async () => {
    const bad = join(root, 'bad.c');
    await writeFile(bad, 'int tm_unused(void) { int x; return 0; }\nint tm_broken(void) { return missing_symbol; }\n');
    const err = await buildFirmware({ target: getCortexMTarget('cortex-m4'), sources: [bad], outDir: join(root, 'bad') }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).stage).toBe('compile');
    expect((err as Error).message).toMatch(/bad\.c:2:\d+: error: 'missing_symbol' undeclared/);
  });

  it.each(['cortex-m0', 'cortex-m4'])('reports a HardFault on %s with the faulting pc', async (id) => {
    const err = await runModelOnTarget(options(id, `fault-${id}`, { defines: { TM_FAULT: true } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareRunError);
    expect((err as FirmwareRunError).failure).toBe('hardfault');
    expect((err as FirmwareRunError).kind).toBe('hardfault');
    expect((err as FirmwareRunError).exitCode).toBe(5);
    expect((err as Error).message).toMatch(/HardFault on Cortex-M\d.*pc=0x[0-9a-f]{8}/);
  });

  it('reports a non-zero exit when invoke fails', async () => {
    const err = await runModelOnTarget(options('cortex-m33', 'fail', { defines: { TM_FAIL: true } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareRunError);
    expect((err as FirmwareRunError).failure).toBe('exit');
    expect((err as FirmwareRunError).kind).toBe('run-error');
    expect((err as FirmwareRunError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/model invoke returned an error.*tm_invoke returned 3 on vector 0/);
  });

  it('reports a hang when the firmware never exits, and kills QEMU', async () => {
    const err = await runModelOnTarget(options('cortex-m7', 'hang', { defines: { TM_HANG: true }, timeoutMs: 2_000 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FirmwareRunError);
    expect((err as FirmwareRunError).failure).toBe('timeout');
    expect((err as FirmwareRunError).kind).toBe('timeout');
    expect((err as Error).message).toMatch(/hang on Cortex-M7.*no exit within 2000 ms/);
  });

  it('refuses a firmware that does not fit the micro:bit RAM, with sizes and shortfall', async () => {
    const arena = 20_000;
    const err = await runModelOnTarget(options('cortex-m0', 'too-big', { defines: { TM_ARENA_SIZE: arena } })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RamFitError);
    expect((err as RamFitError).kind).toBe('ram-overflow');
    const r = (err as RamFitError).report;
    expect(r.available).toBe(16 * 1024);
    expect(r.arena).toBe(arena);
    expect(r.stack).toBe(2048);
    expect(r.bss).toBeGreaterThanOrEqual(arena);
    expect(r.required).toBe(r.data + r.bss + r.stack);
    expect(r.shortfall).toBe(r.required - 16 * 1024);
    expect(r.shortfall).toBeGreaterThanOrEqual(arena + 2048 - 16 * 1024);
    const fmt = (n: number) => n.toLocaleString('en-US');
    expect((err as Error).message).toContain(`short by ${fmt(r.shortfall)} B`);
    expect((err as Error).message).toContain(`arena ${fmt(arena)}`);
    expect((err as Error).message).toContain('16,384 B');
  });

  it('applies the RAM-fit rule to planned sizes before any build', () => {
    const m0 = getCortexMTarget('cortex-m0');
    const r = ramFit(m0, { data: 100, bss: 900, stack: 2048, arena: 14_000, arenaInBss: false });
    expect(r).toMatchObject({ required: 17_048, shortfall: 664, fits: false });
    expect(describeRamFit(r)).toBe(
      'does not fit cortex-m0: needs 17,048 B of RAM (data 100 + bss 900 + arena 14,000 + stack 2,048) ' +
        'but the target has 16,384 B; short by 664 B',
    );
    expect(ramFit(m0, { data: 100, bss: 900, stack: 2048, arena: 13_336, arenaInBss: false }).fits).toBe(true);
  });
});
