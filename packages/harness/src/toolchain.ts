/**
 * The harness's one toolchain module: which commands build and run edgeq's C (host gcc,
 * arm-none-eabi-gcc / -size / -nm, qemu-system-arm), the Debian package that provides each,
 * how a missing command is recognised (spawn ENOENT, missing newlib) and reported
 * ({@link ToolchainMissingError} naming the package), the strict C flags every edgeq build
 * uses, and a host compile() that applies them. Host builds (host.ts, runtime-cache.ts)
 * and Cortex-M builds and runs (targets/build.ts, targets/qemu.ts) all go through here.
 */

import path from 'node:path';
import { execa } from 'execa';
import { HarnessError } from './harness-error.js';
import { ToolchainMissingError } from './targets/errors.js';

export { HarnessError };

/** Debian package of each tool edgeq uses. */
export const DEBIAN_PACKAGES = {
  /** The host C compiler. */
  hostGcc: 'gcc',
  /** arm-none-eabi-gcc. */
  gcc: 'gcc-arm-none-eabi',
  /** arm-none-eabi-size and -nm. */
  binutils: 'binutils-arm-none-eabi',
  /** newlib(-nano) for arm-none-eabi (libc, nano.specs, nosys.specs). */
  newlib: 'libnewlib-arm-none-eabi',
  /** qemu-system-arm. */
  qemu: 'qemu-system-arm',
} as const;

/** The Debian package that provides a command, from its name (cross prefixes and directories allowed). */
export function debianPackageOf(command: string): string {
  const name = path.basename(command);
  if (name.startsWith('qemu-system-')) return DEBIAN_PACKAGES.qemu;
  if (/arm-none-eabi-(size|nm|objdump|objcopy|ar|as|ld)$/.test(name)) return DEBIAN_PACKAGES.binutils;
  if (/-gcc$/.test(name)) return DEBIAN_PACKAGES.gcc;
  // Host compilers: Debian names the package after the command (gcc, gcc-12, clang).
  return name === 'cc' ? DEBIAN_PACKAGES.hostGcc : name;
}

/** Strict C flags every edgeq build uses (host and Cortex-M). */
export const STRICT_C_FLAGS: readonly string[] = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic'];

/** Sanitizer flags for host builds. */
export const SANITIZE_FLAGS: readonly string[] = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g'];

/** True when a spawn failure means the program does not exist. */
export function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown } | undefined;
  return e?.code === 'ENOENT' || e?.cause?.code === 'ENOENT' || /\bENOENT\b/.test(String(e?.message ?? ''));
}

/** Recognises a compiler/linker message that means newlib is not installed. */
export function looksLikeMissingNewlib(output: string): boolean {
  return /nano\.specs|nosys\.specs|cannot find -lc\b|cannot find -lc_nano|stdint\.h: No such file|stddef\.h: No such file/.test(
    output,
  );
}

/** Commands used to build and run Cortex-M firmware. */
export interface CrossToolchain {
  /** arm-none-eabi-gcc (compiler and linker driver). */
  readonly gcc: string;
  /** arm-none-eabi-size. */
  readonly size: string;
  /** arm-none-eabi-nm. */
  readonly nm: string;
  /** qemu-system-arm. */
  readonly qemu: string;
}

/** Options to locate the toolchain somewhere other than PATH. */
export interface ToolchainOptions {
  /** Prefix for the binutils/gcc commands, e.g. "/opt/arm/bin/arm-none-eabi-" (default "arm-none-eabi-"). */
  readonly crossPrefix?: string;
  /** qemu-system-arm command (default "qemu-system-arm"). */
  readonly qemu?: string;
}

/** Resolves command names (no probing; see {@link checkTool}). */
export function crossToolchain(opts: ToolchainOptions = {}): CrossToolchain {
  const p = opts.crossPrefix ?? 'arm-none-eabi-';
  return { gcc: `${p}gcc`, size: `${p}size`, nm: `${p}nm`, qemu: opts.qemu ?? 'qemu-system-arm' };
}

const checked = new Map<string, Promise<void>>();

/**
 * Checks once per process that `command --version` runs; throws
 * {@link ToolchainMissingError} naming `debianPackage` when it does not.
 */
export function checkTool(command: string, debianPackage = debianPackageOf(command)): Promise<void> {
  let p = checked.get(command);
  if (!p) {
    p = (async () => {
      const r = await execa(command, ['--version'], { reject: false, stdin: 'ignore' });
      if (r.failed && (isNotFound(r) || r.exitCode === undefined)) {
        throw new ToolchainMissingError(command, debianPackage);
      }
    })();
    checked.set(command, p);
    p.catch(() => checked.delete(command));
  }
  return p;
}

/**
 * Runs a compiler (or linker driver); resolves with its output on success, throws
 * {@link ToolchainMissingError} when the command or newlib is missing, and returns the
 * failed result otherwise so the caller can word the compile error.
 */
export async function runCompiler(command: string, args: readonly string[], cwd?: string): Promise<{ ok: boolean; output: string }> {
  const r = await execa(command, args, { cwd, reject: false, stdin: 'ignore', all: true });
  if (r.failed && isNotFound(r)) throw new ToolchainMissingError(command, debianPackageOf(command));
  const output = String(r.all ?? `${r.stderr}\n${r.stdout}`);
  if (r.exitCode !== 0 && looksLikeMissingNewlib(output) && debianPackageOf(command) === DEBIAN_PACKAGES.gcc) {
    throw new ToolchainMissingError('newlib for arm-none-eabi', DEBIAN_PACKAGES.newlib, output.split('\n')[0]);
  }
  return { ok: r.exitCode === 0, output };
}

/** A host compile-and-link (or `-c`) request for {@link compile}. */
export interface CompileRequest {
  compiler: string;
  sources: string[];
  includeDirs: string[];
  output: string;
  flags?: string[];
  defines?: string[];
  cwd?: string;
}

/** Compile with {@link STRICT_C_FLAGS}; throws HarnessError with the compiler's own message on failure. */
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
  const r = await runCompiler(req.compiler, args, req.cwd);
  if (!r.ok) throw new HarnessError('compile-error', `${req.compiler} failed:\n${r.output.trim()}`);
}
