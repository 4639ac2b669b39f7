// The firmware object cache: an identical compile (same flags, same text after the
// preprocessor) in another directory copies the stored object instead of compiling; a change
// in an included header, a define or the optimisation level compiles again; a tampered entry is
// compiled again, never copied; a failed compile is reported and not stored. Host gcc stands in
// for arm-none-eabi-gcc (the cache only runs the compiler it is given), wrapped by a script
// that logs every real compile (-c) so a test sees which calls compiled.
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileObjectCached } from '../src/object-cache.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'edgeq-object-cache-test-'));
const cacheDir = path.join(home, 'cache');
const compileLog = path.join(home, 'compiles.log');
const compiler = path.join(home, 'logging-gcc');
const saved = process.env.EDGEQ_CACHE_DIR;

beforeAll(() => {
  process.env.EDGEQ_CACHE_DIR = cacheDir;
  writeFileSync(compiler, `#!/bin/sh\ncase " $* " in *" -c "*) echo "$*" >> '${compileLog}';; esac\nexec gcc "$@"\n`);
  chmodSync(compiler, 0o755);
});
afterAll(() => {
  if (saved === undefined) delete process.env.EDGEQ_CACHE_DIR;
  else process.env.EDGEQ_CACHE_DIR = saved;
  rmSync(home, { recursive: true, force: true });
});

/** A source directory holding kernel.c, which includes scale.h (defining SCALE as `scale`). */
function sourceDir(name: string, scale: number): string {
  const dir = path.join(home, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'scale.h'), `#define SCALE ${scale}\n`);
  writeFileSync(path.join(dir, 'kernel.c'), '#include "scale.h"\nint kernel_scale(int x) { return x * SCALE + OFFSET; }\n');
  return dir;
}

const compiles = () => readFileSync(compileLog, 'utf8').trim().split('\n').length;
const flags = (dir: string, offset = 1, optimize = '-O2') => ['-std=c99', '-Wall', '-Werror', optimize, `-DOFFSET=${offset}`, `-I${dir}`];

describe('firmware object cache', () => {
  it('copies the stored object for the same compile elsewhere, and compiles again when a header, a define or a flag changes', async () => {
    const first = sourceDir('first', 3);
    const r1 = await compileObjectCached(compiler, flags(first), path.join(first, 'kernel.c'), path.join(first, 'kernel.o'));
    expect(r1).toEqual({ ok: true, output: '', fromCache: false });
    expect(compiles()).toBe(1);

    // Same bytes in another directory (other include path): no compile, the same object.
    const second = sourceDir('second', 3);
    const r2 = await compileObjectCached(compiler, flags(second), path.join(second, 'kernel.c'), path.join(second, 'kernel.o'));
    expect(r2.fromCache).toBe(true);
    expect(compiles()).toBe(1);
    expect(readFileSync(path.join(second, 'kernel.o'))).toEqual(readFileSync(path.join(first, 'kernel.o')));

    // The included header differs: compiled, and the object differs.
    const third = sourceDir('third', 5);
    const r3 = await compileObjectCached(compiler, flags(third), path.join(third, 'kernel.c'), path.join(third, 'kernel.o'));
    expect(r3.fromCache).toBe(false);
    expect(compiles()).toBe(2);
    expect(readFileSync(path.join(third, 'kernel.o'))).not.toEqual(readFileSync(path.join(first, 'kernel.o')));

    // Another define, another optimisation level: compiled each time.
    expect((await compileObjectCached(compiler, flags(second, 2), path.join(second, 'kernel.c'), path.join(second, 'k2.o'))).fromCache).toBe(false);
    expect((await compileObjectCached(compiler, flags(second, 1, '-O0'), path.join(second, 'kernel.c'), path.join(second, 'k3.o'))).fromCache).toBe(false);
    expect(compiles()).toBe(4);
  });

  it('compiles again instead of copying a tampered object, and stores the repaired one', async () => {
    const dir = sourceDir('tamper', 7);
    const source = path.join(dir, 'kernel.c');
    await compileObjectCached(compiler, flags(dir), source, path.join(dir, 'good.o'));
    const before = compiles();
    const objectsDir = path.join(cacheDir, 'firmware-objects');
    const entry = readdirSync(objectsDir).filter((f) => f.endsWith('.o')).map((f) => path.join(objectsDir, f))
      .find((f) => readFileSync(f).equals(readFileSync(path.join(dir, 'good.o'))))!;
    appendFileSync(entry, 'tampered');

    const r = await compileObjectCached(compiler, flags(dir), source, path.join(dir, 'again.o'));
    expect(r.fromCache).toBe(false);
    expect(compiles()).toBe(before + 1);
    expect(readFileSync(path.join(dir, 'again.o'))).toEqual(readFileSync(path.join(dir, 'good.o')));
    expect(readFileSync(entry)).toEqual(readFileSync(path.join(dir, 'good.o')));
    // Repaired: the next identical compile is a copy again, and no temporary file is left.
    expect((await compileObjectCached(compiler, flags(dir), source, path.join(dir, 'third.o'))).fromCache).toBe(true);
    expect(readdirSync(objectsDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reports a failed compile with the compiler message and stores nothing for it', async () => {
    const dir = sourceDir('broken', 1);
    copyFileSync(path.join(dir, 'kernel.c'), path.join(dir, 'broken.c'));
    appendFileSync(path.join(dir, 'broken.c'), 'int unused_result(void) { int y; return; }\n');
    const entries = readdirSync(path.join(cacheDir, 'firmware-objects')).length;
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await compileObjectCached(compiler, flags(dir), path.join(dir, 'broken.c'), path.join(dir, 'broken.o'));
      expect(r.ok).toBe(false);
      expect(r.fromCache).toBe(false);
      expect(r.output).toMatch(/broken\.c:\d+:\d+: error/);
    }
    expect(readdirSync(path.join(cacheDir, 'firmware-objects')).length).toBe(entries);
  });
});
