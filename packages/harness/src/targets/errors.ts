// Errors the firmware build/run path reports, one class per kind of failure so
// callers (and users) can tell a missing toolchain from a compile error, a RAM
// overflow, a crash, a wrong exit status or a hang. They extend the harness's
// HarnessError so one `catch` (and its `kind`) covers host and device runs.
import { HarnessError } from '../harness-error.js';

/** Base class of every target build/run failure. */
export class TargetError extends HarnessError {
  constructor(kind: HarnessError['kind'], message: string) {
    super(kind, message);
    this.name = new.target.name;
  }
}

/** A required program or library is not installed. */
export class ToolchainMissingError extends TargetError {
  constructor(
    /** The program or library that was looked for. */
    readonly tool: string,
    /** Debian package that provides it. */
    readonly debianPackage: string,
    detail = '',
  ) {
    super(
      'toolchain-missing',
      `${tool} not found${detail ? ` (${detail})` : ''}: install the Debian package ` +
        `${debianPackage} (sudo apt-get install ${debianPackage})`,
    );
  }
}

/** The compiler or linker rejected the sources; `output` is its own message. */
export class CompileError extends TargetError {
  constructor(
    readonly stage: 'compile' | 'link',
    readonly file: string,
    readonly command: string,
    readonly output: string,
  ) {
    super('compile-error', `${stage} failed for ${file}:\n${output.trim()}\ncommand: ${command}`);
  }
}

/** Sizes behind a RAM-fit verdict. */
export interface RamFitReport {
  readonly target: string;
  readonly available: number;
  readonly data: number;
  readonly bss: number;
  /** Arena bytes (inside bss when `arenaInBss`). */
  readonly arena: number;
  readonly arenaInBss: boolean;
  readonly stack: number;
  readonly required: number;
  /** Bytes missing (0 when it fits). */
  readonly shortfall: number;
  readonly fits: boolean;
}

/** The firmware's static RAM + arena + stack do not fit the target's RAM. */
export class RamFitError extends TargetError {
  constructor(readonly report: RamFitReport, message: string) {
    super('ram-overflow', message);
  }
}

/** Sizes behind a flash verdict of a linked image. */
export interface FlashFitReport {
  readonly target: string;
  readonly available: number;
  /** .text (code, constants) and the .data image, measured by linking against an oversized flash. */
  readonly text: number;
  readonly data: number;
  readonly required: number;
  readonly shortfall: number;
}

/** The linked firmware (code, constants, .data image) does not fit the target's flash. */
export class FlashFitError extends TargetError {
  constructor(readonly report: FlashFitReport, message: string) {
    super('flash-overflow', message);
  }
}

/** How a firmware run ended when it did not succeed. */
export type RunFailureKind = 'hardfault' | 'exit' | 'timeout';

/** The firmware crashed, exited non-zero, or hung. */
export class FirmwareRunError extends TargetError {
  constructor(
    /** How the run ended ('exit' = non-zero exit status). */
    readonly failure: RunFailureKind,
    message: string,
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(failure === 'exit' ? 'run-error' : failure, message);
  }
}
