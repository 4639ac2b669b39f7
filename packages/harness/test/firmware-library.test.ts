// The library part of a generated Cortex-M firmware directory (src/: model + runtime) is
// what a user copies: it builds alone with strict flags (gcc and arm-none-eabi-gcc) and holds
// no main, vector table or harness code; the README's minimal main.c compiles against it with
// `--prefix model`; a sample application outside the directory consumes it through the CMake
// library target and runs bit-exact under QEMU; the arena and constants can be placed in named
// sections, and the arena can come from the caller.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interpreter } from '@edgeq/ir';
import { STRICT_C_FLAGS } from '../src/toolchain.js';
import { FIRMWARE_LAYOUT, getCortexMTarget, runFirmware } from '../src/targets/index.js';
import { generateFirmwareProject, testInput, testInputC, type FirmwareProject } from './support/firmware-project.js';

const M4 = getCortexMTarget('cortex-m4');
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

let project: FirmwareProject;
let expectedOutput: number[];
beforeAll(async () => {
  project = await generateFirmwareProject();
  const g = project.graph;
  const input = testInput(g.tensors[g.inputs[0]].shape.reduce((a, b) => a * b, 1));
  expectedOutput = Array.from(new Interpreter(g).run([input]).outputs[0] as Int8Array);
});
afterAll(async () => {
  await rm(project.parent, { recursive: true, force: true });
});

/** The library's objects per compiler, compiled once (in parallel) and shared by the tests below. */
const objectBuilds = new Map<string, Promise<Map<string, string>>>();
function libraryObjects(compiler: 'gcc' | 'arm-none-eabi-gcc'): Promise<Map<string, string>> {
  let build = objectBuilds.get(compiler);
  if (!build) {
    build = (async () => {
      const outDir = join(project.parent, `objects-${compiler}`);
      await mkdir(outDir, { recursive: true });
      const flags = compiler === 'gcc' ? [] : M4.cpuFlags;
      const entries = await Promise.all(
        project.librarySources.map(async (src) => {
          const obj = join(outDir, `${basename(src, '.c')}.o`);
          await execa(compiler, [...STRICT_C_FLAGS, ...flags, '-O1', `-I${project.libraryDir}`, '-c', src, '-o', obj]);
          return [basename(src), obj] as const;
        }),
      );
      return new Map(entries);
    })();
    objectBuilds.set(compiler, build);
  }
  return build;
}

/** Archives the library's objects. */
async function buildArchive(compiler: 'gcc' | 'arm-none-eabi-gcc'): Promise<string> {
  const objects = await libraryObjects(compiler);
  const archive = join(project.parent, `libedgeq_model-${compiler}.a`);
  await execa(compiler === 'gcc' ? 'ar' : 'arm-none-eabi-ar', ['rcs', archive, ...objects.values()]);
  return archive;
}

/** Symbols an `nm` listing defines and leaves undefined. */
function nmSymbols(listing: string): { defined: Set<string>; undefined: Set<string> } {
  const defined = new Set<string>();
  const undefinedSymbols = new Set<string>();
  for (const line of listing.split('\n')) {
    const m = /^(?:[0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$/.exec(line);
    if (!m) continue;
    (m[1] === 'U' ? undefinedSymbols : defined).add(m[2]);
  }
  return { defined, undefined: undefinedSymbols };
}

describe('the generated library (src/)', () => {
  it('holds the model and the runtime only, beside harness/qemu/ and the build files', async () => {
    expect(FIRMWARE_LAYOUT.library).toBe('src');
    const header = await readFile(join(project.libraryDir, 'model.h'), 'utf8');
    expect(header).toContain('int model_invoke(void);');
    const harness = join(project.dir, FIRMWARE_LAYOUT.qemuHarness);
    for (const f of ['harness_main.c', 'edgeq_startup.c', 'edgeq_semihost.c', 'edgeq_counter.c', 'ld/cortex-m4.ld']) {
      await expect(readFile(join(harness, f), 'utf8')).resolves.toBeTruthy();
    }
  });

  for (const compiler of ['gcc', 'arm-none-eabi-gcc'] as const) {
    it(`builds alone into an archive with ${compiler} ${STRICT_C_FLAGS.join(' ')}: no main, vector table or harness code`, async () => {
      const archive = await buildArchive(compiler);
      const nm = compiler === 'gcc' ? 'nm' : 'arm-none-eabi-nm';
      const { defined, undefined: undefinedSymbols } = nmSymbols((await execa(nm, [archive])).stdout);
      expect(defined.has('model_invoke') && defined.has('edgeq_conv2d_s8')).toBe(true);
      for (const harnessSymbol of ['main', 'Reset_Handler', 'HardFault_Handler', 'edgeq_vectors', 'edgeq_profile_begin']) {
        expect(defined.has(harnessSymbol), harnessSymbol).toBe(false);
      }
      const harnessLike = [...defined].filter((s) => /^edgeq_(sh_|counter_|stack_|fmt_)/.test(s));
      expect(harnessLike).toEqual([]);
      // Whatever the archive leaves undefined comes from the C library, not from edgeq.
      const unresolved = [...undefinedSymbols].filter((s) => !defined.has(s));
      expect(unresolved.filter((s) => /edgeq|model_|main/.test(s))).toEqual([]);
      const sections = (await execa(compiler === 'gcc' ? 'objdump' : 'arm-none-eabi-objdump', ['-h', archive])).stdout;
      expect(sections).not.toMatch(/\.vectors/);
    }, 120_000);
  }

  it("the README's minimal main.c compiles and links against the Cortex-M library (--prefix model)", async () => {
    const readme = await readFile(README, 'utf8');
    const m = /id: main-c[\s\S]*?```c\n([\s\S]*?)```/.exec(readme);
    expect(m, 'README.md has the main-c example').not.toBeNull();
    const app = join(project.parent, 'readme-app');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, 'main.c'), m![1]);
    await execa('arm-none-eabi-gcc', [
      ...STRICT_C_FLAGS,
      ...M4.cpuFlags,
      '-O1',
      `-I${project.libraryDir}`,
      join(app, 'main.c'),
      ...(await libraryObjects('arm-none-eabi-gcc')).values(),
      '--specs=nosys.specs',
      '-o',
      join(app, 'app.elf'),
    ]);
    const { defined } = nmSymbols((await execa('arm-none-eabi-nm', [join(app, 'app.elf')])).stdout);
    expect(defined.has('main') && defined.has('model_invoke')).toBe(true);
  }, 120_000);

  it('a sample application outside the directory links edgeq::model via add_subdirectory and runs bit-exact on QEMU mps2-an386', async () => {
    const app = join(project.parent, 'sample-app');
    const board = `${project.dir}/${FIRMWARE_LAYOUT.qemuHarness}`;
    await mkdir(app, { recursive: true });
    // The parent project's toolchain: compiler and Cortex-M4 flags, nothing from the library.
    await writeFile(
      join(app, 'toolchain.cmake'),
      [
        'set(CMAKE_SYSTEM_NAME Generic)',
        'set(CMAKE_SYSTEM_PROCESSOR arm)',
        'set(CMAKE_C_COMPILER arm-none-eabi-gcc)',
        'set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)',
        `set(CMAKE_C_FLAGS_INIT "${M4.cpuFlags.join(' ')}")`,
        '',
      ].join('\n'),
    );
    // The QEMU board's startup, semihosting and linker script stand in for a real board's BSP.
    await writeFile(
      join(app, 'CMakeLists.txt'),
      [
        'cmake_minimum_required(VERSION 3.16)',
        'project(sample_app C)',
        `add_subdirectory(${project.dir} edgeq_model)`,
        `set(BOARD_DIR ${board})`,
        'add_executable(app.elf main.c ${BOARD_DIR}/edgeq_startup.c ${BOARD_DIR}/edgeq_semihost.c)',
        'target_include_directories(app.elf PRIVATE ${BOARD_DIR})',
        'target_link_libraries(app.elf PRIVATE edgeq::model)',
        'target_link_options(app.elf PRIVATE -nostartfiles --specs=nano.specs --specs=nosys.specs -T${BOARD_DIR}/ld/cortex-m4.ld)',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(app, 'main.c'),
      `#include <stddef.h>
#include <stdint.h>
#include "model.h"
#include "edgeq_semihost.h"

int main(void) {
  int i;
  int8_t *input = (int8_t *)model_input(0);
  const int8_t *output;
  if (input == NULL) return 1;
  ${testInputC('input', 'MODEL_INPUT0_BYTES')}
  if (model_invoke() != 0) return 2;
  output = (const int8_t *)model_output(0);
  edgeq_sh_puts("OUT");
  for (i = 0; i < MODEL_OUTPUT0_BYTES; i++) {
    edgeq_sh_puts(" ");
    edgeq_sh_put_u32((uint32_t)(uint8_t)output[i]);
  }
  edgeq_sh_puts("\\n");
  return 0;
}
`,
    );
    const build = join(app, 'build');
    // The library's own option places the arena in a named .bss.* section (the board's linker
    // script collects .bss.* into RAM, zero-filled).
    await execa('cmake', [
      '-S',
      app,
      '-B',
      build,
      `-DCMAKE_TOOLCHAIN_FILE=${join(app, 'toolchain.cmake')}`,
      '-DCMAKE_BUILD_TYPE=MinSizeRel',
      '-DEDGEQ_MODEL_ARENA_SECTION=.bss.edgeq_arena',
    ]);
    const cache = await readFile(join(build, 'CMakeCache.txt'), 'utf8');
    expect(cache).toMatch(/EDGEQ_MODEL_HARNESS:BOOL=OFF/);
    expect(cache).toContain(`CMAKE_TOOLCHAIN_FILE:FILEPATH=${join(app, 'toolchain.cmake')}`);
    await execa('cmake', ['--build', build, '-j', '2']);
    const modelObject = join(build, 'edgeq_model', 'CMakeFiles', 'edgeq_model.dir', 'src', 'model.c.obj');
    expect((await execa('arm-none-eabi-objdump', ['-t', modelObject])).stdout).toMatch(/ \.bss\.edgeq_arena\t[0-9a-f]+ model_arena$/m);
    const run = await runFirmware({ target: M4, elf: join(build, 'app.elf'), cwd: app });
    expect(run.status, run.stdout + run.stderr).toBe('ok');
    const printed = /OUT((?: \d+)+)/.exec(run.stdout);
    expect(printed, run.stdout).not.toBeNull();
    const bytes = printed![1].trim().split(' ').map((v) => (Number(v) << 24) >> 24);
    expect(bytes).toEqual(expectedOutput);
  }, 180_000);

  it('EDGEQ_ARENA_SECTION / EDGEQ_CONST_SECTION put the arena and every constant table in the named sections', async () => {
    const model = join(project.libraryDir, 'model.c');
    const sectionsOf = async (defines: string[]) => {
      const obj = join(project.parent, `sections-${defines.length}.o`);
      await execa('arm-none-eabi-gcc', [...STRICT_C_FLAGS, ...M4.cpuFlags, '-O1', ...defines, `-I${project.libraryDir}`, '-c', model, '-o', obj]);
      // objdump -t: "<addr> <flags> <section>\t<size> <name>"
      const table = new Map<string, string>();
      for (const line of (await execa('arm-none-eabi-objdump', ['-t', obj])).stdout.split('\n')) {
        const m = /^[0-9a-f]+ .{7} (\S+)\t[0-9a-f]+ (\S+)$/.exec(line);
        if (m) table.set(m[2], m[1]);
      }
      return table;
    };
    const plain = await sectionsOf([]);
    const placed = await sectionsOf(['-DEDGEQ_ARENA_SECTION=".bss.dtcm"', '-DEDGEQ_CONST_SECTION=".rodata.model"']);
    expect(plain.get('model_arena')).toBe('.bss');
    expect(placed.get('model_arena')).toBe('.bss.dtcm');
    const constants = [...plain].filter(([, section]) => section === '.rodata').map(([name]) => name).filter((n) => n.startsWith('model_'));
    // Weights, biases and requantisation tables of all 10 ops (the op-name table excepted).
    expect(constants.filter((n) => /^model_(weights|bias)_/.test(n)).length).toBeGreaterThanOrEqual(8);
    for (const name of constants.filter((n) => n !== 'model_op_names')) expect(placed.get(name), name).toBe('.rodata.model');
  }, 120_000);

  it('EDGEQ_EXTERNAL_ARENA: no static arena; model_set_arena refuses NULL, too small and misaligned buffers and runs bit-exact in a given one', async () => {
    const work = join(project.parent, 'external-arena');
    await mkdir(work, { recursive: true });
    await writeFile(
      join(work, 'main.c'),
      `#include <stdint.h>
#include <stdio.h>
#include "model.h"

/* 8-byte aligned, one byte of slack so an odd address is still inside it. */
static union { int8_t bytes[MODEL_ARENA_BYTES + 8]; double align; } buffer;

int main(void) {
  int i;
  int8_t *input;
  const int8_t *output;
  printf("before %d %d\\n", model_invoke(), model_input(0) == NULL);
  printf("null %d\\n", model_set_arena(NULL, sizeof buffer.bytes));
  printf("small %d\\n", model_set_arena(buffer.bytes, MODEL_ARENA_BYTES - 1));
  printf("misaligned %d\\n", model_set_arena(buffer.bytes + 1, MODEL_ARENA_BYTES));
  printf("after-refusals %d\\n", model_invoke());
  printf("exact %d\\n", model_set_arena(buffer.bytes, MODEL_ARENA_BYTES));
  input = (int8_t *)model_input(0);
  ${testInputC('input', 'MODEL_INPUT0_BYTES')}
  printf("invoke %d\\n", model_invoke());
  output = (const int8_t *)model_output(0);
  printf("inside %d\\n", output >= buffer.bytes && output + MODEL_OUTPUT0_BYTES <= buffer.bytes + MODEL_ARENA_BYTES);
  printf("OUT");
  for (i = 0; i < MODEL_OUTPUT0_BYTES; i++) printf(" %d", output[i]);
  printf("\\n");
  return 0;
}
`,
    );
    const exe = join(work, 'app');
    const flags = [...STRICT_C_FLAGS, '-O1', '-DEDGEQ_EXTERNAL_ARENA', `-I${project.libraryDir}`];
    await execa('gcc', [...flags, '-c', join(project.libraryDir, 'model.c'), '-o', join(work, 'model.o')]);
    await execa('arm-none-eabi-gcc', [...flags, ...M4.cpuFlags, '-c', join(project.libraryDir, 'model.c'), '-o', join(work, 'model-arm.o')]);
    const { stdout: sizes } = await execa('size', ['-A', join(work, 'model.o')]);
    const bss = Number(/^\.bss\s+(\d+)/m.exec(sizes)?.[1] ?? 0);
    const arenaBytes = Number(/#define MODEL_ARENA_BYTES (\d+)/.exec(await readFile(join(project.libraryDir, 'model.h'), 'utf8'))![1]);
    expect(bss).toBeLessThan(arenaBytes);
    const runtime = [...(await libraryObjects('gcc'))].filter(([source]) => source !== 'model.c').map(([, obj]) => obj);
    await execa('gcc', [...flags, join(work, 'main.c'), join(work, 'model.o'), ...runtime, '-o', exe]);
    const { stdout } = await execa(exe);
    expect(stdout.split('\n').slice(0, 8)).toEqual([
      'before -1 1',
      'null -1',
      'small -1',
      'misaligned -1',
      'after-refusals -1',
      'exact 0',
      'invoke 0',
      'inside 1',
    ]);
    expect(/OUT((?: -?\d+)+)/.exec(stdout)![1].trim().split(' ').map(Number)).toEqual(expectedOutput);
  }, 120_000);
});
