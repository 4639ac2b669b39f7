/**
 * Where command results go: human-readable lines on stdout, or (with `--json`) exactly one
 * JSON document on stdout for scripts. Notes and warnings go to stderr in both modes.
 * Human text is made terminal-safe: control characters that names from model files may
 * carry (escape sequences, bells, carriage returns, bidi overrides) are printed escaped.
 */

/** C0 controls except tab and newline, DEL, C1 controls, and Unicode bidi embeddings/overrides/isolates. */
const UNSAFE_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text safe to print on a terminal: every control character except tab and newline is
 * written as an escape (`\x1b`, `\u202e`), so a model, op or tensor name cannot move the
 * cursor, recolour the terminal or reorder what follows.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTER, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
}

/** The printer every command writes through. */
export class Output {
  constructor(readonly opts: OutputOptions) {}

  /** A line of human output (suppressed under --json and --quiet). */
  line(text = ''): void {
    if (!this.opts.json && !this.opts.quiet) process.stdout.write(escapeControlCharacters(text) + '\n');
  }

  /** A line that matters even with --quiet (verdicts, the accuracy table); not under --json. */
  result(text: string): void {
    if (!this.opts.json) process.stdout.write(escapeControlCharacters(text) + '\n');
  }

  /** A warning on stderr (both modes). */
  warn(text: string): void {
    process.stderr.write(`edgeq: warning: ${escapeControlCharacters(text)}\n`);
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
