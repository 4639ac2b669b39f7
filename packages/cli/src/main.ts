#!/usr/bin/env node
/**
 * Process entry of `edgeq` (loaded by bin/edgeq.js): installs the Ctrl-C handler that
 * removes partial output, runs the program, and exits with its code.
 */

import { installInterruptHandler } from './atomic.js';
import { CliError } from './errors.js';
import { runCli } from './program.js';
import { stopAllProgress } from './progress.js';
import { reportError } from './command.js';

installInterruptHandler(stopAllProgress);
// `edgeq … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (e) {
  // Errors thrown while parsing (e.g. a flag value parser) carry their own exit code.
  process.exitCode = reportError(e, process.argv[2] ?? '', process.argv.includes('--json'));
  if (!(e instanceof CliError)) process.exitCode ||= 1;
}
