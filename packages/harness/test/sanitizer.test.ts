// Sanitizer reports through the same path parity runs use (runHostBinary): tiny programs
// built with the harness's ASan+UBSan flags that overflow a signed int or read past a heap
// block are a SanitizerReportError (the CLI's exit 5); a clean program is not; and the CLI
// turns a report during `edgeq parity --sanitize` into exit 5.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { SANITIZE_FLAGS, SanitizerReportError, compile, runHostBinary, sanitizerReportHeadline } from '../src/index.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'edgeq-sanitizer-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Build `source` (C99, strict flags) with the harness's sanitizer flags. */
async function sanitized(name: string, source: string): Promise<string> {
  const file = path.join(work, `${name}.c`);
  writeFileSync(file, source);
  const bin = path.join(work, name);
  await compile({ compiler: 'gcc', sources: [file], includeDirs: [], output: bin, flags: ['-O0', ...SANITIZE_FLAGS] });
  return bin;
}

/** Signed overflow of INT_MAX + 1, read through volatile so the compiler cannot fold it away. */
const SIGNED_OVERFLOW_C = '#include <limits.h>\n#include <stdio.h>\nstatic volatile int big = INT_MAX;\nint main(void) {\n  int x = big;\n  x = x + 1;\n  printf("%d", x);\n  return 0;\n}\n';

describe('sanitizer reports', () => {
  it('UBSan (signed overflow) is a SanitizerReportError naming the fault', async () => {
    const bin = await sanitized('overflow', SIGNED_OVERFLOW_C);
    const err = await runHostBinary(bin, new Uint8Array(0), true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SanitizerReportError);
    expect((err as SanitizerReportError).kind).toBe('sanitizer-report');
    expect((err as SanitizerReportError).headline).toMatch(/overflow\.c:\d+:\d+: runtime error: signed integer overflow: 2147483647 \+ 1/);
  });

  it('ASan (heap read past the end) is a SanitizerReportError naming the fault', async () => {
    const bin = await sanitized(
      'heap',
      '#include <stdio.h>\n#include <stdlib.h>\nint main(void) {\n  volatile int n = 4;\n  int *p = malloc(4 * sizeof *p);\n  int i;\n  for (i = 0; i < 4; i++) p[i] = i;\n  printf("%d", p[n]);\n  free(p);\n  return 0;\n}\n',
    );
    const err = await runHostBinary(bin, new Uint8Array(0), true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SanitizerReportError);
    expect((err as SanitizerReportError).headline).toMatch(/ERROR: AddressSanitizer: heap-buffer-overflow/);
  });

  it('a clean sanitized program returns its output', async () => {
    const bin = await sanitized('clean', '#include <stdio.h>\nint main(void) {\n  int c;\n  while ((c = getchar()) != EOF) putchar(c + 1);\n  return 0;\n}\n');
    const out = await runHostBinary(bin, Uint8Array.from([1, 2, 3]), true);
    expect(Array.from(out)).toEqual([2, 3, 4]);
  });

  it('recognises a report by its text or by the sanitizers\' exit statuses alone', () => {
    expect(sanitizerReportHeadline('noise\nm.c:3:5: runtime error: shift exponent 216 is too large\nmore', 87)).toBe('m.c:3:5: runtime error: shift exponent 216 is too large');
    expect(sanitizerReportHeadline('', 86)).toMatch(/exit status 86 \(AddressSanitizer\)/);
    expect(sanitizerReportHeadline('plain failure', 1)).toBeUndefined();
  });

  it('edgeq parity --sanitize exits 5 on a report (UB injected at link time by a wrapper gcc)', async () => {
    // A `gcc` first on PATH that passes compiles through and links one extra object whose
    // constructor overflows a signed int before main: the parity binary reports under UBSan.
    const bin = path.join(work, 'bin');
    const ub = path.join(work, 'inject-ub.c');
    writeFileSync(ub, '#include <limits.h>\nstatic volatile int big = INT_MAX;\n__attribute__((constructor)) static void overflow_before_main(void) {\n  int x = big;\n  big = x + 1;\n}\n');
    await execa('mkdir', ['-p', bin]);
    writeFileSync(path.join(bin, 'gcc'), `#!/bin/sh\ncase " $* " in *" -c "*) exec /usr/bin/gcc "$@" ;; esac\nexec /usr/bin/gcc "$@" ${ub}\n`);
    chmodSync(path.join(bin, 'gcc'), 0o755);
    const spec = path.join(work, 'tiny.json');
    writeFileSync(spec, JSON.stringify({ name: 'tiny', input: [8, 8, 1], layers: [{ type: 'flatten', name: 'flat' }, { type: 'dense', units: 4, name: 'fc' }] }));
    const edgeqBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/edgeq.js');
    const r = await execa(process.execPath, [edgeqBin, 'parity', spec, '--random', '2', '--sanitize'], { cwd: work, reject: false, env: { PATH: `${bin}:${process.env.PATH}`, EDGEQ_PROGRESS: '0' } });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/^edgeq parity: sanitizer report from .*parity: .*inject-ub\.c:\d+:\d+: runtime error: signed integer overflow: 2147483647 \+ 1/);
  });
});
