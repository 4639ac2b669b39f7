// The harness's one toolchain module: which Debian package each command comes from, and
// that host compiles report a missing compiler the same way as Cortex-M builds do
// (ToolchainMissingError naming the package), with the strict flags applied.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError, STRICT_C_FLAGS, ToolchainMissingError, compile, debianPackageOf } from '../src/index.js';

describe('toolchain', () => {
  it.each([
    ['gcc', 'gcc'],
    ['cc', 'gcc'],
    ['clang', 'clang'],
    ['arm-none-eabi-gcc', 'gcc-arm-none-eabi'],
    ['/opt/arm/bin/arm-none-eabi-gcc', 'gcc-arm-none-eabi'],
    ['arm-none-eabi-size', 'binutils-arm-none-eabi'],
    ['arm-none-eabi-nm', 'binutils-arm-none-eabi'],
    ['qemu-system-arm', 'qemu-system-arm'],
    ['/nonexistent/qemu-system-arm', 'qemu-system-arm'],
  ])('%s comes from the Debian package %s', (command, pkg) => expect(debianPackageOf(command)).toBe(pkg));

  it('a missing host compiler is a ToolchainMissingError naming its package', async () => {
    const err = await compile({ compiler: '/nonexistent/bin/gcc', sources: ['x.c'], includeDirs: [], output: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolchainMissingError);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as ToolchainMissingError).kind).toBe('toolchain-missing');
    expect((err as ToolchainMissingError).debianPackage).toBe('gcc');
    expect((err as Error).message).toMatch(/\/nonexistent\/bin\/gcc not found: install the Debian package gcc/);
  });

  it('host compiles apply the strict flags: a warning fails the build with the compiler\'s message', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeq-toolchain-'));
    try {
      const source = path.join(dir, 'unused.c');
      writeFileSync(source, 'int f(void) {\n  int unused;\n  return 0;\n}\n');
      const err = await compile({ compiler: 'gcc', sources: [source], includeDirs: [], output: path.join(dir, 'unused.o'), flags: ['-c'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HarnessError);
      expect((err as HarnessError).kind).toBe('compile-error');
      expect((err as Error).message).toMatch(/unused variable/);
      expect(STRICT_C_FLAGS).toContain('-Werror');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
