// runtime-c's own kernel tests (CMSIS-NN TestData style). The cases in test/data/*.json are
// generated from the @edgeq/ir interpreter by generate-test-data.ts and rendered to C
// headers (c-test-data.ts); test/c/run_cases.c calls every kernel of edgeq.h on them and
// prints PASS / FAIL per case. This file checks that the data on disk is what the generator
// produces now, then runs the runner
//   - natively: gcc -std=c99 -Wall -Wextra -Werror -pedantic with ASan + UBSan (the
//     portable path of every kernel),
//   - on Cortex-M4 under QEMU (mps2-an386, semihosting), with the DSP path of the fast
//     kernels and again with -DEDGEQ_NO_DSP (their portable path on the target),
//   - as Cortex-M0 code under QEMU (mps2-an385), with the ARMv6-M assembly loops,
// and expects every case of every kernel to pass on each, plus each fast kernel's
// *_get_buffer_size() to equal the scratch codegen's planner (planFastOp) plans.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANITIZE_FLAGS, buildFirmware, compile, getCortexMTarget, runFirmware } from '@edgeq/harness';
import { RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR, runtimeSources } from '../src/index.js';
import { TEST_DATA_DIR, generateTestData, readTestData, readTestHeaders } from './generate-test-data.js';

const run = promisify(execFile);
const RUNNER_DIR = path.join(path.dirname(TEST_DATA_DIR), 'c');
const RUNNER = path.join(RUNNER_DIR, 'run_cases.c');
const SUITES = readTestData().suites.map((s) => ({ suite: s.suite, cases: s.cases.length }));
const BUFFER_SIZE_KERNELS = ['conv_im2col', 'depthwise_conv_3x3', 'depthwise_conv_rows'];

const work = mkdtempSync(path.join(os.tmpdir(), 'edgeq-runtime-c-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const HEADER_DIR = path.join(work, 'data');
mkdirSync(HEADER_DIR);
const HEADERS = readTestHeaders();
for (const [name, text] of HEADERS) writeFileSync(path.join(HEADER_DIR, name), text);
const INCLUDE_DIRS = [RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR, RUNNER_DIR, HEADER_DIR];

/** Runner output grouped by suite: the case lines that passed and those that failed. */
function bySuite(stdout: string): Map<string, { passed: number; failures: string[] }> {
  const out = new Map<string, { passed: number; failures: string[] }>();
  for (const line of stdout.split('\n')) {
    const m = /^(PASS|FAIL) ([a-z0-9_]+): /.exec(line);
    if (!m) continue;
    const entry = out.get(m[2]) ?? { passed: 0, failures: [] };
    if (m[1] === 'PASS') entry.passed++;
    else entry.failures.push(line);
    out.set(m[2], entry);
  }
  return out;
}

function expectEveryCasePassed(stdout: string, suite: string, cases: number): void {
  const result = bySuite(stdout).get(suite);
  expect(result?.failures ?? [], `${suite} failures`).toEqual([]);
  expect(result?.passed, `${suite}: cases that passed`).toBe(cases);
}

/** The runner's buffer-size lines for one kernel: all PASS, one per shape of buffer_sizes.h. */
function expectBufferSizesMatch(stdout: string, kernel: string): void {
  const lines = stdout.split('\n').filter((l) => new RegExp(`^(PASS|FAIL) buffer_size: ${kernel} \\d`).test(l));
  expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
  const shapes = HEADERS.get('buffer_sizes.h')!.match(new RegExp(`${kernel}_buffer_sizes\\[(\\d+)\\]`));
  expect(lines.length).toBe(Number(shapes?.[1]));
  expect(lines.length).toBeGreaterThanOrEqual(8);
}

describe('test data', () => {
  it('test/data/ is exactly what generate-test-data.ts produces from the interpreter now', () => {
    const generated = generateTestData();
    expect(readdirSync(TEST_DATA_DIR).sort()).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) {
      expect(readFileSync(path.join(TEST_DATA_DIR, name), 'utf8'), `${name} is stale: run npx tsx packages/runtime-c/test/generate-test-data.ts`).toBe(text);
    }
  });

  it('covers every public kernel of edgeq.h', () => {
    const header = readFileSync(path.join(RUNTIME_INCLUDE_DIR, 'edgeq.h'), 'utf8');
    const runner = readFileSync(RUNNER, 'utf8');
    const kernels = [...header.matchAll(/^void (edgeq_\w+)\(/gm)].map((m) => m[1]);
    expect(kernels.length).toBeGreaterThan(10);
    for (const k of kernels) expect(runner, `${k} is not called by run_cases.c`).toContain(`${k}(`);
    // The fast kernels are called through their per-variant pointers; every variant has a case.
    const data = [...HEADERS.values()].join('\n');
    for (const variant of ['tflm', 'tflm_clamp', 'single', 'single_clamp', 'pow2', 'pow2_clamp']) expect(data).toMatch(new RegExp(`= edgeq_conv_im2col_s4_${variant}\\b`));
    for (const family of ['pointwise_conv', 'pointwise_conv_w8', 'conv_im2col', 'conv_im2col_w8', 'depthwise_conv_3x3']) {
      for (const variant of ['tflm', 'tflm_clamp', 'single', 'single_clamp', 'pow2', 'pow2_clamp']) {
        expect(data).toMatch(new RegExp(`= edgeq_${family}_s8_${variant}\\b`));
        expect(data).toMatch(new RegExp(`= edgeq_${family}_s8_${variant}_mixed\\b`));
      }
    }
  });
});

describe('natively (gcc, strict flags, ASan + UBSan)', () => {
  let stdout = '';
  let stderr = '';
  beforeAll(async () => {
    const bin = path.join(work, 'run_cases');
    await compile({ compiler: 'gcc', sources: [RUNNER, ...runtimeSources()], includeDirs: INCLUDE_DIRS, output: bin, flags: ['-O1', ...SANITIZE_FLAGS] });
    // A failing case makes the runner exit 1: keep its output, the tests below name the case.
    const r = await run(bin, [], { env: { ...process.env, UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' } }).catch(
      (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) }),
    );
    stdout = r.stdout;
    stderr = r.stderr;
    // One ASan+UBSan build of every kernel and case: over 120 s on a 2-core machine at load ~20.
  });

  it('runs clean under the sanitizers', () => expect(stderr).toBe(''));

  it.each(SUITES)('$suite: every case equals the interpreter', ({ suite, cases }) => expectEveryCasePassed(stdout, suite, cases));

  it.each(BUFFER_SIZE_KERNELS)('edgeq_%s_s8_get_buffer_size() equals codegen\'s planned scratch on every shape', (kernel) => expectBufferSizesMatch(stdout, kernel));
});

describe.each([
  ['Cortex-M4', 'DSP path', 'cortex-m4', {}],
  ['Cortex-M4', 'portable path (EDGEQ_NO_DSP)', 'cortex-m4', { EDGEQ_NO_DSP: true }],
  ['Cortex-M0', 'ARMv6-M assembly loops', 'cortex-m0-mps2', {}],
] as Array<[string, string, string, Record<string, true>]>)('on %s under QEMU, %s', (_core, label, targetId, defines) => {
  const target = getCortexMTarget(targetId);
  let stdout = '';
  let disassembly = '';
  beforeAll(async () => {
    const outDir = path.join(work, `${targetId}-${label.split(' ')[0]}`);
    const build = await buildFirmware({ target, sources: [RUNNER, ...runtimeSources()], includeDirs: INCLUDE_DIRS, outDir, defines });
    const r = await runFirmware({ target, elf: build.elf, cwd: outDir, icount: false, timeoutMs: 60_000 });
    // A failing case exits 1 (status 'exit'); a crash or hang leaves cases unreported below.
    stdout = r.stdout;
    disassembly = (await run('arm-none-eabi-objdump', ['-d', build.elf], { maxBuffer: 64 << 20 })).stdout;
  });

  it('the fast kernels were built on the path this run claims to test', () => {
    // SMLAD appears only in the DSP paths of runtime-c (dot product and fast kernels); the
    // ARMv6-M loops multiply the high half of a weight word (ASRS #16, then MULS into it).
    expect(/\bsmlad\b/.test(disassembly)).toBe(label.startsWith('DSP'));
    if (targetId === 'cortex-m0-mps2') expect(disassembly).toMatch(/asrs\s+(r\d), \1, #16\n[^\n]*muls\s+\1, r\d/);
  });

  it.each(SUITES)('$suite: every case equals the interpreter', ({ suite, cases }) => expectEveryCasePassed(stdout, suite, cases));

  it.each(BUFFER_SIZE_KERNELS)('edgeq_%s_s8_get_buffer_size() equals codegen\'s planned scratch on every shape', (kernel) => expectBufferSizesMatch(stdout, kernel));
});
