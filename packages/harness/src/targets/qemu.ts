// Runs a firmware ELF under qemu-system-arm with semihosting (stdio on a chardev,
// files relative to the working directory) and, by default, `-icount shift=0`
// so SysTick counts executed instructions deterministically. Classifies the end
// of the run: success, HardFault, other non-zero exit, or hang (timeout: QEMU is
// killed).
import { execa } from 'execa';
import { FirmwareRunError } from './errors.js';
import type { CortexMTarget } from './table.js';
import { DEBIAN_PACKAGES, checkTool, isNotFound } from '../toolchain.js';
import { ToolchainMissingError } from './errors.js';

/** Exit codes set by the firmware (mirror of templates/firmware/edgeq_semihost.h). */
export const FIRMWARE_EXIT = {
  ok: 0,
  invokeFailed: 2,
  io: 3,
  badInput: 4,
  hardFault: 5,
  unexpectedException: 6,
} as const;

/** Options of {@link runFirmware}. */
export interface RunFirmwareOptions {
  readonly target: CortexMTarget;
  readonly elf: string;
  /** Working directory: semihosting file names are relative to it. */
  readonly cwd: string;
  /** Kill QEMU and report a hang after this many ms (default 60,000). */
  readonly timeoutMs?: number;
  /** Deterministic instruction counting with -icount shift=0 (default true). */
  readonly icount?: boolean;
  /** qemu-system-arm command (default "qemu-system-arm"). */
  readonly qemu?: string;
}

/** How a run ended. */
export interface FirmwareRun {
  readonly status: 'ok' | 'hardfault' | 'exit' | 'timeout';
  /** QEMU's exit status (the firmware's exit code), undefined on timeout. */
  readonly exitCode: number | undefined;
  /** Semihosting console output. */
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** The command line, for reproducing the run by hand. */
  readonly command: string;
}

/** QEMU arguments for a target (semihosting on a stdio chardev, no display/serial/monitor). */
export function qemuArgs(target: CortexMTarget, elf: string, icount = true): string[] {
  return [
    '-M',
    target.qemuMachine,
    '-display',
    'none',
    '-serial',
    'none',
    '-monitor',
    'none',
    '-chardev',
    'stdio,id=semi,signal=off',
    '-semihosting-config',
    'enable=on,target=native,chardev=semi',
    ...(icount ? ['-icount', 'shift=0'] : []),
    '-kernel',
    elf,
  ];
}

/** Runs the firmware and reports how it ended (never throws for firmware failures). */
export async function runFirmware(o: RunFirmwareOptions): Promise<FirmwareRun> {
  const qemu = o.qemu ?? 'qemu-system-arm';
  await checkTool(qemu, DEBIAN_PACKAGES.qemu);
  const args = qemuArgs(o.target, o.elf, o.icount ?? true);
  const t0 = Date.now();
  const r = await execa(qemu, args, {
    cwd: o.cwd,
    reject: false,
    stdin: 'ignore',
    timeout: o.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
  });
  if (r.failed && isNotFound(r)) throw new ToolchainMissingError(qemu, DEBIAN_PACKAGES.qemu);
  const base = {
    exitCode: r.timedOut ? undefined : r.exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    durationMs: Date.now() - t0,
    command: [qemu, ...args].join(' '),
  };
  if (r.timedOut) return { status: 'timeout', ...base };
  if (r.exitCode === 0) return { status: 'ok', ...base };
  if (r.exitCode === FIRMWARE_EXIT.hardFault || /EDGEQ-FAULT HardFault/.test(base.stdout)) {
    return { status: 'hardfault', ...base };
  }
  return { status: 'exit', ...base };
}

/** Describes a failed run in one message (fault line, exit code meaning, or hang). */
export function describeRun(run: FirmwareRun, target: CortexMTarget, timeoutMs: number): string {
  const where = `${target.title}`;
  const tail = (s: string) => s.trim().split('\n').slice(-5).join('\n');
  switch (run.status) {
    case 'ok':
      return `firmware finished on ${where}`;
    case 'timeout':
      return `firmware hang on ${where}: no exit within ${timeoutMs} ms; QEMU was killed` +
        (run.stdout.trim() ? `\nlast output:\n${tail(run.stdout)}` : '');
    case 'hardfault': {
      const line = /EDGEQ-FAULT[^\n]*/.exec(run.stdout)?.[0] ?? 'HardFault';
      return `firmware HardFault on ${where}: ${line}`;
    }
    case 'exit': {
      const meaning: Record<number, string> = {
        [FIRMWARE_EXIT.invokeFailed]: 'model invoke returned an error',
        [FIRMWARE_EXIT.io]: 'semihosting file I/O failed',
        [FIRMWARE_EXIT.badInput]: 'input file size is not a multiple of the input vector size',
        [FIRMWARE_EXIT.unexpectedException]: 'unexpected exception',
      };
      const m = run.exitCode !== undefined ? meaning[run.exitCode] : undefined;
      const err = /EDGEQ-(ERROR|FAULT)[^\n]*/.exec(run.stdout)?.[0];
      return `firmware exited with code ${run.exitCode} on ${where}${m ? ` (${m})` : ''}` +
        (err ? `: ${err}` : '') + (run.stderr.trim() ? `\nqemu: ${tail(run.stderr)}` : '');
    }
  }
}

/** Runs the firmware and throws {@link FirmwareRunError} unless it exits with 0. */
export async function runFirmwareOrThrow(o: RunFirmwareOptions): Promise<FirmwareRun> {
  const run = await runFirmware(o);
  if (run.status !== 'ok') {
    throw new FirmwareRunError(run.status, describeRun(run, o.target, o.timeoutMs ?? 60_000), run.exitCode, run.stdout, run.stderr);
  }
  return run;
}
