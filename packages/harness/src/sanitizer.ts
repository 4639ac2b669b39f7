/**
 * Sanitizer runs of host binaries: the environment that makes AddressSanitizer and
 * UndefinedBehaviorSanitizer exit with their own status, how a report is recognised in a
 * run's stderr, and the error a report becomes ({@link SanitizerReportError}; the CLI
 * maps it to exit 5, a failed check, not a crash of edgeq).
 */

import { HarnessError } from './harness-error.js';

/** Exit status of a binary stopped by AddressSanitizer / LeakSanitizer. */
export const ASAN_EXIT_CODE = 86;
/** Exit status of a binary stopped by UndefinedBehaviorSanitizer. */
export const UBSAN_EXIT_CODE = 87;

/** Environment for running a binary built with the harness's sanitizer flags. */
export const SANITIZER_ENV: Readonly<Record<string, string>> = {
  ASAN_OPTIONS: `detect_leaks=1:abort_on_error=0:exitcode=${ASAN_EXIT_CODE}`,
  UBSAN_OPTIONS: `halt_on_error=1:print_stacktrace=1:exitcode=${UBSAN_EXIT_CODE}`,
};

const REPORT_LINE = /runtime error:|ERROR: (?:Address|Leak|Undefined|Memory|Thread)Sanitizer|^SUMMARY: \w+Sanitizer/m;

/**
 * The headline of a sanitizer report in a run's stderr and exit status (e.g.
 * "model.c:40:12: runtime error: signed integer overflow: ..."), or undefined when the run
 * shows none.
 */
export function sanitizerReportHeadline(stderr: string, exitCode: number | undefined): string | undefined {
  const line = stderr.split('\n').find((l) => REPORT_LINE.test(l));
  if (line) return line.trim();
  if (exitCode === ASAN_EXIT_CODE) return `exit status ${ASAN_EXIT_CODE} (AddressSanitizer) without a report on stderr`;
  if (exitCode === UBSAN_EXIT_CODE) return `exit status ${UBSAN_EXIT_CODE} (UndefinedBehaviorSanitizer) without a report on stderr`;
  return undefined;
}

/** A binary built with ASan+UBSan reported an error: the generated C did something undefined or out of bounds. */
export class SanitizerReportError extends HarnessError {
  constructor(
    /** The binary that reported. */
    readonly binary: string,
    /** The report's first line. */
    readonly headline: string,
    /** The whole stderr of the run (the full report). */
    readonly report: string,
  ) {
    super('sanitizer-report', `sanitizer report from ${binary}: ${headline}\n${report.trim()}`);
    this.name = 'SanitizerReportError';
  }
}
