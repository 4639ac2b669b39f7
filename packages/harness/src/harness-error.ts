/**
 * The harness's one error base class: every build, run and parity failure of the host and
 * Cortex-M paths is a HarnessError whose `kind` says what went wrong (callers such as the
 * CLI map kinds to exit codes).
 */

/** Raised when a build tool is missing or fails, a run fails or parity breaks; `kind` says which. */
export class HarnessError extends Error {
  constructor(
    readonly kind: 'toolchain-missing' | 'compile-error' | 'run-error' | 'timeout' | 'hardfault' | 'parity-mismatch' | 'ram-overflow' | 'flash-overflow' | 'sanitizer-report',
    message: string,
  ) {
    super(message);
    this.name = 'HarnessError';
  }
}
