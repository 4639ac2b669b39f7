// Finds the cross toolchain and emulator, and turns "command not found" into an
// error that names the Debian package to install.
import { execa } from 'execa';
import { ToolchainMissingError } from './errors.js';

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

/** Debian package per tool. */
export const DEBIAN_PACKAGES = {
  gcc: 'gcc-arm-none-eabi',
  binutils: 'binutils-arm-none-eabi',
  newlib: 'libnewlib-arm-none-eabi',
  qemu: 'qemu-system-arm',
  hostGcc: 'gcc',
} as const;

/** Resolves command names (no probing; see {@link checkTool}). */
export function crossToolchain(opts: ToolchainOptions = {}): CrossToolchain {
  const p = opts.crossPrefix ?? 'arm-none-eabi-';
  return { gcc: `${p}gcc`, size: `${p}size`, nm: `${p}nm`, qemu: opts.qemu ?? 'qemu-system-arm' };
}

/** True when a spawn failure means the program does not exist. */
export function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown } | undefined;
  return e?.code === 'ENOENT' || e?.cause?.code === 'ENOENT' || /\bENOENT\b/.test(String(e?.message ?? ''));
}

const checked = new Map<string, Promise<void>>();

/**
 * Checks once per process that `command --version` runs; throws
 * {@link ToolchainMissingError} naming `debianPackage` when it does not.
 */
export function checkTool(command: string, debianPackage: string): Promise<void> {
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

/** Recognises a compiler/linker message that means newlib is not installed. */
export function looksLikeMissingNewlib(output: string): boolean {
  return /nano\.specs|nosys\.specs|cannot find -lc\b|cannot find -lc_nano|stdint\.h: No such file|stddef\.h: No such file/.test(
    output,
  );
}
