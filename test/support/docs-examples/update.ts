/**
 * Docs examples, `--update`: rewrites the output lines of a doc's transcripts from a real
 * run (after a merge changes printed figures such as constant bytes). Lines that still
 * match keep their placeholders; an exit status other than 0 is written as `(exit N)`.
 */
import type { ExampleResult } from './run.js';
import { updatedOutput } from './match.js';

/** Where the `(exit N)` annotation starts: at least two spaces after the text. */
const EXIT_PADDING = '   ';

/**
 * The doc's text with every transcript command's output replaced by what it printed.
 * @param text the doc's current text
 * @param results the results of this doc's examples (others are ignored by the caller)
 */
export function rewriteDocOutputs(text: string, results: readonly ExampleResult[]): string {
  const lines = text.split('\n');
  const edits = results
    .filter((r) => r.error === undefined)
    .flatMap((r) => r.commands)
    .sort((a, b) => b.command.line - a.command.line);
  for (const c of edits) {
    const output = updatedOutput(c.command.expectedOutput, c.output);
    const commandIndex = c.command.line - 1;
    let commandLine = lines[commandIndex].replace(/\s{2,}\(exit \d+\)\s*$/, '');
    if (c.exitCode !== 0) {
      if (output.length > 0) output[output.length - 1] += `${EXIT_PADDING}(exit ${c.exitCode})`;
      else commandLine += `${EXIT_PADDING}(exit ${c.exitCode})`;
    }
    const [first, last] = c.command.outputLines;
    lines.splice(first - 1, last - first + 1, ...output);
    lines[commandIndex] = commandLine;
  }
  return lines.join('\n');
}
