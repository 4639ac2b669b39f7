// The generated Makefile: `make run` says what input.bin must hold when it is missing and runs
// the documented format bit-exact; changing OPT rebuilds every object (flags stamp), an
// unchanged build does nothing; `make lib` archives the library alone.
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interpreter } from '@edgeq/ir';
import { FIRMWARE_LAYOUT, parseFirmwareSummary } from '../src/targets/index.js';
import { generateFirmwareProject, testInput, type FirmwareProject } from './support/firmware-project.js';

let project: FirmwareProject;
beforeAll(async () => {
  project = await generateFirmwareProject();
});
afterAll(async () => {
  await rm(project.parent, { recursive: true, force: true });
});

const make = (...args: string[]) => execa('make', ['-j2', 'CORE=cortex-m4', ...args], { cwd: project.dir, reject: false, all: true });
const compiles = (log: string) => log.split('\n').filter((l) => /arm-none-eabi-gcc .* -c /.test(l)).length;

describe('generated Makefile', () => {
  it('make run explains input.bin when it is missing, rebuilds when OPT changes, and runs the documented input format bit-exact', async () => {
    const harnessSources = (await readdir(join(project.dir, FIRMWARE_LAYOUT.qemuHarness))).filter((f) => f.endsWith('.c'));
    const sourceCount = project.librarySources.length + harnessSources.length;

    const missing = await make('run');
    expect(compiles(missing.all)).toBe(sourceCount);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.all).toMatch(/make run: no input.bin here: write N int8 input vectors of 784 bytes each, back to back/);

    const again = await make();
    expect(again.exitCode, again.all).toBe(0);
    expect(compiles(again.all)).toBe(0);

    const optimisedForSize = await make('OPT=-Os');
    expect(optimisedForSize.exitCode, optimisedForSize.all).toBe(0);
    expect(compiles(optimisedForSize.all)).toBe(sourceCount);
    expect(optimisedForSize.all).toMatch(/-Os/);

    // input.bin as the Makefile's header documents it: N vectors of 784 int8 bytes, back to back.
    const g = project.graph;
    const first = testInput(784);
    const second = Int8Array.from(first, (v) => -1 - v);
    const packed = new Uint8Array(2 * 784);
    packed.set(new Uint8Array(first.buffer), 0);
    packed.set(new Uint8Array(second.buffer), 784);
    await writeFile(join(project.dir, 'input.bin'), packed);
    const run = await make('OPT=-Os', 'run');
    expect(run.exitCode, run.all).toBe(0);
    expect(compiles(run.all)).toBe(0);
    const interpreter = new Interpreter(g);
    const expected = [first, second].flatMap((x) => Array.from(interpreter.run([x]).outputs[0] as Int8Array));
    expect(Array.from(new Int8Array(await readFile(join(project.dir, 'output.bin'))))).toEqual(expected);
    expect(parseFirmwareSummary(await readFile(join(project.dir, 'summary.json'), 'utf8')).vectors).toBe(2);
    // The header's documented sizes are the model's.
    const makefile = await readFile(join(project.dir, 'Makefile'), 'utf8');
    expect(makefile).toMatch(/each is 784 bytes: the model's int8 inputs in order/);
    expect(makefile).toMatch(/#   input 0 "[^"]+": \[1, 28, 28, 1\], 784 bytes, scale [0-9.e-]+, zero point -?\d+$/m);
    expect(makefile).toMatch(/N results of 10 bytes each/);
    expect(makefile).toMatch(/#   output 0 "[^"]+": \[1, 10\], 10 bytes$/m);

    const lib = await make('OPT=-Os', 'lib');
    expect(lib.exitCode, lib.all).toBe(0);
    const { stdout: symbols } = await execa('arm-none-eabi-nm', [join(project.dir, 'build/cortex-m4/libedgeq_model.a')]);
    expect(symbols).toMatch(/ T model_invoke$/m);
    expect(symbols).not.toMatch(/ T (main|Reset_Handler)$/m);
  });
});
