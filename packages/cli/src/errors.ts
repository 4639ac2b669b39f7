/**
 * Exit codes and the CLI's error type. Every failure that reaches the top of `edgeq`
 * becomes one line naming the thing at fault and one of these exit codes, so scripts can
 * tell a bad flag from a missing file, a broken model, a parity mismatch or a missing tool.
 */

import { QGraphError } from '@edgeq/ir';

/** What each exit status of `edgeq` means (documented in docs/cli.md). */
export const ExitCode = {
  /** The command did what was asked (for `parity`: every vector bit-exact). */
  OK: 0,
  /** An unexpected internal failure (a bug: please report it with the message). */
  INTERNAL: 1,
  /** Bad command line or config: unknown option, unknown target, invalid value. */
  USAGE: 2,
  /** An input could not be read: missing path, unreadable or malformed data file. */
  INPUT: 3,
  /** A model could not be used: corrupt file, invalid QGraph, unsupported layer or op. */
  MODEL: 4,
  /** The command ran but the result is a failure: parity mismatch, accuracy below a threshold. */
  CHECK_FAILED: 5,
  /** A required tool is missing or failed: compiler, emulator (names the Debian package). */
  TOOLCHAIN: 6,
  /** The feature needs a component this build of edgeq does not include yet. */
  UNAVAILABLE: 7,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM; partial output was removed. */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Short machine-readable names for exit codes, used in `--json` error output. */
export const EXIT_KIND: Readonly<Record<number, string>> = {
  0: 'ok',
  1: 'internal',
  2: 'usage',
  3: 'input',
  4: 'model',
  5: 'check-failed',
  6: 'toolchain',
  7: 'unavailable',
  130: 'interrupted',
};

/** An error the CLI reports as one line with a specific exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Shorthands for the common kinds. */
export const usageError = (m: string) => new CliError(ExitCode.USAGE, m);
export const inputError = (m: string) => new CliError(ExitCode.INPUT, m);
export const modelError = (m: string) => new CliError(ExitCode.MODEL, m);
export const unavailable = (m: string) => new CliError(ExitCode.UNAVAILABLE, m);

/** Exit codes of the other packages' error types, by error name. */
const NAMED_ERRORS: Readonly<Record<string, ExitCodeValue>> = {
  QatError: ExitCode.INPUT, // @edgeq/qat: missing dataset files, bad training data or spec entries
  TfliteError: ExitCode.MODEL, // @edgeq/tflite: a .tflite it cannot read or import
  ToolchainMissingError: ExitCode.TOOLCHAIN, // @edgeq/harness targets: arm-none-eabi-gcc / QEMU missing
  CompileError: ExitCode.TOOLCHAIN,
  RamFitError: ExitCode.MODEL, // the model does not fit the target's RAM
  FlashFitError: ExitCode.MODEL, // the linked firmware does not fit the target's flash
  FirmwareRunError: ExitCode.CHECK_FAILED, // HardFault, bad exit status or hang on the emulated core
  // @edgeq/harness serial agent (`--port`): link down or silent board, bad replies, another model on the board
  TransportError: ExitCode.INPUT, // the port cannot be opened (like a missing file)
  AgentTimeoutError: ExitCode.CHECK_FAILED, // a silent board, like a hang under QEMU
  AgentResetError: ExitCode.CHECK_FAILED,
  AgentProtocolError: ExitCode.CHECK_FAILED,
  AgentModelMismatchError: ExitCode.MODEL,
  SanitizerReportError: ExitCode.CHECK_FAILED, // ASan/UBSan reported during parity --sanitize: the C is not sound
};

/** Map any thrown value to an exit code and a message (first line is the summary). */
export function classifyError(e: unknown): { exitCode: ExitCodeValue; message: string } {
  if (e instanceof CliError) return { exitCode: e.exitCode, message: e.message };
  if (e instanceof QGraphError) return { exitCode: ExitCode.MODEL, message: e.message };
  // @edgeq/harness's HarnessError, recognised by shape so the CLI starts without loading the harness.
  if (e instanceof Error && e.name === 'HarnessError' && 'kind' in e) {
    const code = e.kind === 'toolchain-missing' || e.kind === 'compile-error' ? ExitCode.TOOLCHAIN : e.kind === 'parity-mismatch' ? ExitCode.CHECK_FAILED : ExitCode.INTERNAL;
    return { exitCode: code, message: e.message };
  }
  // Errors of the optional packages, recognised by name (they are loaded lazily, if at all).
  if (e instanceof Error && e.name in NAMED_ERRORS) return { exitCode: NAMED_ERRORS[e.name], message: e.message };
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && typeof err.path === 'string') {
    return { exitCode: ExitCode.INPUT, message: `${err.path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}` };
  }
  return { exitCode: ExitCode.INTERNAL, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
