/**
 * Toolchain discovery and compilation (execa): finds a compiler, names the Debian package
 * when it is missing, and turns compiler failures into errors carrying its message.
 */

import { execa } from 'execa';

/** Raised when a build tool is missing or fails; `kind` says which. */
export class HarnessError extends Error {
  constructor(
    readonly kind: 'toolchain-missing' | 'compile-error' | 'run-error' | 'timeout' | 'hardfault' | 'parity-mismatch' | 'ram-overflow',
    message: string,
  ) {
    super(message);
    this.name = 'HarnessError';
  }
}

/** Debian package providing each tool. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  gcc: 'gcc',
  'arm-none-eabi-gcc': 'gcc-arm-none-eabi (and libnewlib-arm-none-eabi)',
  'arm-none-eabi-size': 'binutils-arm-none-eabi',
  'arm-none-eabi-nm': 'binutils-arm-none-eabi',
  'qemu-system-arm': 'qemu-system-arm',
};

/** Strict C flags every edgeq build uses. */
export const STRICT_C_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic'];

/** Sanitizer flags for host builds. */
export const SANITIZE_FLAGS = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g'];

export interface CompileRequest {
  compiler: string;
  sources: string[];
  includeDirs: string[];
  output: string;
  flags?: string[];
  defines?: string[];
  cwd?: string;
}

/** Compile and link; throws HarnessError with the compiler's own message on failure. */
export async function compile(req: CompileRequest): Promise<void> {
  const args = [
    ...STRICT_C_FLAGS,
    ...(req.flags ?? []),
    ...(req.defines ?? []).map((d) => `-D${d}`),
    ...req.includeDirs.map((d) => `-I${d}`),
    ...req.sources,
    '-o',
    req.output,
  ];
  try {
    await execa(req.compiler, args, { cwd: req.cwd, all: true });
  } catch (e) {
    const err = e as { code?: string; all?: string; shortMessage?: string };
    if (err.code === 'ENOENT') {
      const pkg = TOOL_PACKAGES[req.compiler.split('/').pop()!] ?? 'the compiler package';
      throw new HarnessError('toolchain-missing', `${req.compiler} not found: install the Debian package ${pkg} (apt-get install ${pkg.split(' ')[0]})`);
    }
    throw new HarnessError('compile-error', `${req.compiler} failed:\n${(err.all ?? err.shortMessage ?? '').trim()}`);
  }
}
