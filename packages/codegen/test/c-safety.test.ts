/**
 * Generated C cannot be injected: names holding quotes, backslashes, newlines, comment
 * terminators, preprocessor directives and non-ASCII text still give C that compiles
 * clean with -Wall -Wextra -Werror -pedantic (gcc and arm-none-eabi-gcc) and contains
 * none of those strings raw.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, q } from '@edgeq/ir';
import { STRICT_C_FLAGS } from '@edgeq/harness';
import { RUNTIME_INCLUDE_DIR } from '@edgeq/runtime-c';
import { apiPrefix, sanitizeIdentifier, writeFirmwareDir } from '../src/index.js';

const NASTY = ['evil"quote', 'back\\slash', 'new\nline', 'close*/comment', '#include "pwned.h"', 'ünïcødé∕name', '??/trigraph', '/* open', 'int main(void){return 1;}'];

function nastyGraph() {
  const b = new GraphBuilder('model */ #define EVIL 1', { scales: 'fixed', rounding: 'tflm' });
  let x = b.input(NASTY[0], [1, 3, 3, 2], q(0.1, 0));
  NASTY.slice(1).forEach((name, i) => {
    x = b.depthwiseConv2d(x, { name: `${name}${i}`, weights: new Int8Array(2).fill(3), weightShape: [1, 1, 1, 2], weightScales: [0.05, 0.05], bias: new Int32Array(2), out: q(0.1, 0) });
  });
  b.output(x);
  return b.build();
}

/** The C text outside comments and string literals. */
function codeOnly(c: string): string {
  return c.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
}

describe('generated C from hostile names', () => {
  it('compiles clean and holds none of the raw strings', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-csafe-'));
    try {
      const model = await writeFirmwareDir(nastyGraph(), dir, { prefix: 'my model!' });
      expect(model.prefix).toBe('my_model');
      for (const file of ['model.c', 'model.h']) {
        const text = await fs.readFile(path.join(dir, file), 'utf8');
        expect(/[^\x00-\x7f]/.test(text), `${file} has non-ASCII bytes`).toBe(false);
        for (const raw of NASTY) expect(text.includes(raw), `${file} contains ${JSON.stringify(raw)}`).toBe(false);
        expect(codeOnly(text)).not.toContain('pwned.h');
        expect(text).not.toMatch(/#\s*define\s+EVIL/);
        expect(text).not.toContain('??');
        // Every comment closes where it should: no terminator or opener left in the code part.
        const code = codeOnly(text);
        expect(code).not.toContain('*/');
        expect(code).not.toContain('/*');
        const directives = code.split('\n').filter((l) => l.trim().startsWith('#')).map((l) => l.trim().split(/\s+/)[0]);
        const allowed = ['#include', '#ifndef', '#define', '#ifdef', '#else', '#endif'];
        for (const d of directives) expect(allowed, `${file}: unexpected directive ${d}`).toContain(d);
        expect(text.match(/^#include\s+\S+/gm)).toEqual(file === 'model.h' ? ['#include <stdint.h>'] : ['#include <stddef.h>', '#include "model.h"', '#include "edgeq.h"']);
      }
      const strict = [...STRICT_C_FLAGS, '-c'];
      await execa('gcc', [...strict, `-I${RUNTIME_INCLUDE_DIR}`, 'model.c', '-o', 'model.o'], { cwd: dir });
      await execa('arm-none-eabi-gcc', [...strict, '-mcpu=cortex-m4', '-mthumb', `-I${RUNTIME_INCLUDE_DIR}`, 'model.c', '-o', 'model-arm.o'], { cwd: dir });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('sanitises identifiers', () => {
    expect(sanitizeIdentifier('conv 1/weights')).toBe('conv_1_weights');
    expect(sanitizeIdentifier('9lives')).toBe('n9lives');
    expect(sanitizeIdentifier('"*/')).toBe('x');
    expect(sanitizeIdentifier('ü')).toBe('x');
  });

  it('keeps the API prefix clear of the runtime and of C keywords', () => {
    expect(apiPrefix('net')).toBe('net');
    expect(apiPrefix('edgeq')).toBe('m_edgeq');
    expect(apiPrefix('EdgeQ-net')).toBe('m_EdgeQ_net');
    expect(apiPrefix('int')).toBe('m_int');
    expect(apiPrefix('*')).toBe('x');
  });
});
