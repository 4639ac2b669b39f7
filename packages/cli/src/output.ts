/**
 * Where command results go: human-readable lines on stdout, or (with `--json`) exactly one
 * JSON document on stdout for scripts. Notes and warnings go to stderr in both modes.
 */

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
}

/** The printer every command writes through. */
export class Output {
  constructor(readonly opts: OutputOptions) {}

  /** A line of human output (suppressed under --json and --quiet). */
  line(text = ''): void {
    if (!this.opts.json && !this.opts.quiet) process.stdout.write(text + '\n');
  }

  /** A line that matters even with --quiet (verdicts, the accuracy table); not under --json. */
  result(text: string): void {
    if (!this.opts.json) process.stdout.write(text + '\n');
  }

  /** A warning on stderr (both modes). */
  warn(text: string): void {
    process.stderr.write(`edgeq: warning: ${text}\n`);
  }

  /** The command's JSON document (only under --json). */
  json(doc: unknown): void {
    if (this.opts.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  }
}

/** Render rows as an aligned plain-text table. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}
