/**
 * The glue between commander and the command modules: each subcommand's action gets its
 * options (flags over edgeq.config.json over defaults) and an {@link Output}; whatever it
 * throws becomes one error line and a meaningful exit code.
 */

import type { Command, OptionValues } from 'commander';
import { applyConfig, readConfig } from './config.js';
import { EXIT_KIND, ExitCode, classifyError, type ExitCodeValue } from './errors.js';
import { Output, escapeControlCharacters } from './output.js';
import { stopAllProgress } from './progress.js';

/** What an action receives besides its positional arguments. */
export interface ActionContext<O extends OptionValues> {
  opts: O;
  out: Output;
  cmd: Command;
}

/** Global options (on the root program). */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  config?: string;
}

/** Print an error (one line; under --json also a JSON document on stdout) and return its exit code. */
export function reportError(e: unknown, cmdName: string, json: boolean): ExitCodeValue {
  const { exitCode, message } = classifyError(e);
  const text = exitCode === ExitCode.INTERNAL ? message : message.trim();
  process.stderr.write(`edgeq ${cmdName}: ${escapeControlCharacters(text)}\n`);
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: { exitCode, kind: EXIT_KIND[exitCode], message: text.split('\n')[0] } }, null, 2) + '\n');
  return exitCode;
}

/**
 * Wrap a command implementation as a commander action. The implementation returns an
 * exit code (default 0) and throws for failures.
 */
export function action<O extends OptionValues>(program: Command, run: (args: string[], ctx: ActionContext<O>) => Promise<ExitCodeValue | void>) {
  return async (...raw: unknown[]): Promise<void> => {
    const cmd = raw[raw.length - 1] as Command;
    const args = raw.slice(0, -2) as string[];
    const globals = program.opts<GlobalOptions>();
    let code: ExitCodeValue = ExitCode.OK;
    try {
      const { file, config } = await readConfig(globals.config);
      if (file) applyConfig(program, cmd, config, file);
      const out = new Output({ json: !!globals.json, quiet: !!globals.quiet });
      code = (await run(args, { opts: cmd.opts<O>(), out, cmd })) ?? ExitCode.OK;
    } catch (e) {
      stopAllProgress();
      code = reportError(e, cmd.name(), !!globals.json);
    }
    process.exitCode = code;
  };
}
