/**
 * The `edgeq` program: the commander tree with global options (--json, --quiet,
 * --config), every subcommand registered, and usage errors mapped to exit code 2.
 */

import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerGenerate } from './commands/generate.js';
import { registerParity } from './commands/parity.js';
import { registerReport } from './commands/report.js';
import { registerSimulate } from './commands/simulate.js';
import { registerTraining } from './commands/training.js';
import { EXIT_KIND, ExitCode } from './errors.js';

/** Version printed by `edgeq --version`. */
export const VERSION = '0.1.0';

const EXIT_HELP = `
Exit codes:
  0 ok · 1 internal error · 2 usage (bad flag, unknown target) · 3 input (missing or bad file)
  4 model (corrupt, invalid, unsupported layer) · 5 check failed (parity mismatch)
  6 toolchain (compiler/emulator missing or failing) · 7 unavailable in this build · 130 interrupted

Config: ./edgeq.config.json (or --config FILE) sets option defaults; flags override it.
Docs: docs/cli.md`;

/** Build the program (a fresh tree each call, so tests can parse repeatedly). */
export function buildProgram(): Command {
  const program = new Command('edgeq');
  program
    .description('edgeq: quantisation-aware training to bit-exact int8 firmware for Cortex-M')
    .version(VERSION)
    .option('--json', 'print one JSON document on stdout (for scripts); progress bars off')
    .option('-q, --quiet', 'print only verdicts and errors')
    .option('--config <file>', 'config file (default ./edgeq.config.json when present)')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`edgeq: ${str.replace(/^error: /, '')}`),
    });
  registerTraining(program);
  registerGenerate(program);
  registerSimulate(program);
  registerParity(program);
  registerBench(program);
  registerReport(program);
  for (const c of program.commands) {
    c.exitOverride().configureOutput({ outputError: (str, write) => write(`edgeq ${c.name()}: ${str.replace(/^error: /, '')}`) });
  }
  return program;
}

/** Parse argv and run; resolves to the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      if (argv.includes('--json')) {
        process.stdout.write(JSON.stringify({ ok: false, error: { exitCode: ExitCode.USAGE, kind: EXIT_KIND[ExitCode.USAGE], message: e.message.replace(/^error: /, '') } }, null, 2) + '\n');
      }
      return ExitCode.USAGE;
    }
    throw e;
  }
}
