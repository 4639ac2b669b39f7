/**
 * Every C parameter struct codegen describes (through the emitter registry, so a new op's
 * struct is covered without editing this file) has, in include/edgeq.h, the sizeof and
 * field offsets and sizes codegen computes: host64 figures checked by host gcc, arm32 figures (the
 * constant bytes codegen reports) by arm-none-eabi-gcc for every Cortex-M target. The
 * checks are compile-time (C99 negative array size), so a wrong description fails the build.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describedStructs, structLayout, type CAbi, type CEnumDescription, type CStructDescription } from '@edgeq/codegen';
import { CORTEX_M_TARGET_IDS, compile, crossToolchain, getCortexMTarget } from '@edgeq/harness';
import { RUNTIME_INCLUDE_DIR } from '@edgeq/runtime-c';

/** C source asserting each struct's sizeof, field offsets and field sizes on `abi` (and the values of the enums they hold); `sizeDelta` skews the sizes (to prove a wrong figure fails). */
function checkSource(structs: readonly CStructDescription[], abi: CAbi, sizeDelta = 0): string {
  const lines = ['#include <stddef.h>', '#include "edgeq.h"', '#define EDGEQ_STATIC_CHECK(name, condition) typedef char name[(condition) ? 1 : -1]'];
  const enums = new Set<CEnumDescription>();
  for (const s of structs) {
    const layout = structLayout(s, abi);
    lines.push(`EDGEQ_STATIC_CHECK(sizeof_${s.typeName}, sizeof(${s.typeName}) == ${layout.size + sizeDelta});`);
    for (const f of s.fields) {
      if (f.type.kind === 'enum') enums.add(f.type.enumType);
      const { offset, size } = layout.fields[f.name];
      lines.push(`EDGEQ_STATIC_CHECK(offsetof_${s.typeName}_${f.name}, offsetof(${s.typeName}, ${f.name}) == ${offset});`);
      lines.push(`EDGEQ_STATIC_CHECK(sizeof_${s.typeName}_${f.name}, sizeof(((${s.typeName} *)0)->${f.name}) == ${size});`);
    }
  }
  for (const e of enums) {
    for (const [constant, value] of Object.entries(e.values)) lines.push(`EDGEQ_STATIC_CHECK(value_${constant}, ${constant} == ${value});`);
  }
  return lines.join('\n') + '\n';
}

let dir = '';
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-struct-sizes-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function compileChecks(name: string, source: string, compiler: string, flags: string[]): Promise<void> {
  const file = path.join(dir, `${name}.c`);
  await fs.writeFile(file, source);
  await compile({ compiler, sources: [file], includeDirs: [RUNTIME_INCLUDE_DIR], output: path.join(dir, `${name}.o`), flags: [...flags, '-c'] });
}

const structs = describedStructs();

describe('parameter struct sizes: codegen descriptions vs include/edgeq.h', () => {
  it('covers every struct the emitters declare, the conv struct among them', () => {
    const names = structs.map((s) => s.typeName);
    expect(names).toEqual(expect.arrayContaining(['edgeq_conv_params', 'edgeq_hwc', 'edgeq_requant', 'edgeq_concat_input', 'edgeq_channel_requant']));
    expect(new Set(names).size).toBe(names.length);
  });

  it('host gcc (x86-64): sizeof, offsets and field sizes equal the host64 layout', async () => {
    await compileChecks('host64', checkSource(structs, 'host64'), 'gcc', []);
  });

  it.each(CORTEX_M_TARGET_IDS)('arm-none-eabi-gcc %s: sizeof, offsets and field sizes equal the arm32 layout (the reported constant bytes)', async (id) => {
    await compileChecks(`arm32-${id}`, checkSource(structs, 'arm32'), crossToolchain().gcc, [...getCortexMTarget(id).cpuFlags]);
  });

  it('a wrong size fails the build on both compilers', async () => {
    await expect(compileChecks('host64-wrong', checkSource(structs, 'host64', 4), 'gcc', [])).rejects.toThrow(/sizeof_/);
    await expect(compileChecks('arm32-wrong', checkSource(structs, 'arm32', 4), crossToolchain().gcc, ['-mcpu=cortex-m4', '-mthumb'])).rejects.toThrow(/sizeof_/);
  });
});
