/**
 * Docs examples, step 1 of 3 (extract → run → match): finds the shell examples of a
 * Markdown file and what each one says it prints.
 *
 * The conventions (also stated in docs/cli.md, "Examples in these docs are tested"):
 *
 * - A ```sh block is one example: the block runs as one bash script (`set -e`) and must exit 0.
 *   Its output is not shown in the doc, so it is not compared.
 * - A ```text block with lines starting `$ ` is a transcript: each `$ command` runs in turn and
 *   the lines after it, up to the next `$ ` line, are what it prints (stdout and stderr
 *   interleaved, as a terminal shows them). A trailing `(exit N)` after two or more spaces, on
 *   the command's last output line (or on the `$` line when it prints nothing), is the exit
 *   status it must end with; without one it must exit 0.
 * - Volatile parts of printed lines are written as placeholders (see match.ts): `<n>` for a
 *   number, `…` for any text within a line, and a line holding only `...` for any number of lines.
 * - An HTML comment right before a block (blank lines allowed between) gives directives, one
 *   `key: value` per line:
 *     `<!-- example`
 *     `id: ptq`               a name other examples use in `after:` (names are global across the docs)
 *     `after: ptq, npy-files` run those examples first, in the same scratch directory (their output is
 *                             checked where they stand, not here)
 *     `setup: COMMAND`        a shell command run first (repeatable): fixtures the doc does not show
 *     `write: main.c`         (on a non-shell block) the block's text is the file main.c for examples
 *                             that name this one in `after:`
 *     `skip: REASON`          not run; the runner prints the reason (used only for `npm run demo`,
 *                             `npm test` and the demo script: they have tests of their own)
 *     `-->`
 * - Blocks of other languages (json, ts, c) and ```text blocks without `$ ` lines are not examples.
 */

/** One `$ command` of a transcript and the output the doc shows for it. */
export interface TranscriptCommand {
  /** The command as bash runs it (the `$ ` and any `(exit N)` annotation removed). */
  readonly command: string;
  /** 1-based line of the `$ ` line in the doc. */
  readonly line: number;
  /** The printed lines the doc shows (placeholders included, the `(exit N)` annotation removed). */
  readonly expectedOutput: readonly string[];
  /** The exit status the doc says the command ends with. */
  readonly expectedExitCode: number;
  /** 1-based doc lines [first, last] holding the output (first > last when it prints nothing). */
  readonly outputLines: readonly [number, number];
  /** Whether the `(exit N)` annotation sat on the `$` line (the command printed nothing). */
  readonly exitOnCommandLine: boolean;
}

/** A shell example of a doc: a ```sh script, a ```text transcript, or a file other examples use. */
export interface DocExample {
  /** The doc file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly kind: 'script' | 'transcript' | 'file';
  /** `id:` directive, or `<file>:<line>`. */
  readonly id: string;
  readonly after: readonly string[];
  readonly setup: readonly string[];
  readonly skip?: string;
  /** For `file` examples: the path to write the block to. */
  readonly writeTo?: string;
  /** The block's text (script source, or the file's contents). */
  readonly body: string;
  /** For transcripts: the commands in order. */
  readonly commands: readonly TranscriptCommand[];
}

const FENCE = /^```(\S*)\s*$/;
const EXIT_ANNOTATION = /\s{2,}\(exit (\d+)\)\s*$/;

interface Directives {
  id?: string;
  after: string[];
  setup: string[];
  skip?: string;
  write?: string;
}

function parseDirectives(commentLines: string[], where: string): Directives {
  const d: Directives = { after: [], setup: [] };
  for (const raw of commentLines) {
    const text = raw.trim();
    if (text === '') continue;
    const m = /^(id|after|setup|skip|write):\s*(.*)$/.exec(text);
    if (!m) throw new Error(`${where}: example directive not understood: "${text}" (keys: id, after, setup, skip, write)`);
    const [, key, value] = m;
    if (key === 'after') d.after.push(...value.split(',').map((s) => s.trim()).filter(Boolean));
    else if (key === 'setup') d.setup.push(value);
    else if (key === 'id') d.id = value;
    else if (key === 'skip') d.skip = value;
    else d.write = value;
  }
  return d;
}

function parseTranscript(blockLines: string[], firstLine: number): TranscriptCommand[] {
  const commands: TranscriptCommand[] = [];
  let i = 0;
  while (i < blockLines.length && !blockLines[i].startsWith('$ ')) i++;
  while (i < blockLines.length) {
    const line = firstLine + i;
    let command = blockLines[i].slice(2);
    while (command.endsWith('\\') && i + 1 < blockLines.length) command = command.slice(0, -1) + blockLines[++i];
    i++;
    const start = i;
    while (i < blockLines.length && !blockLines[i].startsWith('$ ')) i++;
    const output = blockLines.slice(start, i).map((l) => l.replace(/\s+$/, ''));
    let expectedExitCode = 0;
    let exitOnCommandLine = false;
    const onCommand = EXIT_ANNOTATION.exec(command);
    if (onCommand) {
      expectedExitCode = Number(onCommand[1]);
      command = command.slice(0, onCommand.index);
      exitOnCommandLine = true;
    } else if (output.length > 0) {
      const onOutput = EXIT_ANNOTATION.exec(output[output.length - 1]);
      if (onOutput) {
        expectedExitCode = Number(onOutput[1]);
        output[output.length - 1] = output[output.length - 1].slice(0, onOutput.index);
      }
    }
    commands.push({
      command: command.trim(),
      line,
      expectedOutput: output,
      expectedExitCode,
      outputLines: [firstLine + start, firstLine + i - 1],
      exitOnCommandLine,
    });
  }
  return commands;
}

/**
 * The examples of one Markdown document, in order.
 * @param file the doc's path relative to the repository root (used in ids and messages)
 * @param text the doc's contents
 */
export function extractExamples(file: string, text: string): DocExample[] {
  const lines = text.split('\n');
  const examples: DocExample[] = [];
  let pending: Directives | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^<!--\s*example\b/.test(line)) {
      const comment: string[] = [line.replace(/^<!--\s*example\b/, '')];
      while (!comment[comment.length - 1].includes('-->') && i + 1 < lines.length) comment.push(lines[++i]);
      comment[comment.length - 1] = comment[comment.length - 1].replace(/-->.*$/, '');
      pending = parseDirectives(comment, `${file}:${i + 1}`);
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '') pending = undefined;
      continue;
    }
    const language = fence[1];
    const open = i + 1;
    const body: string[] = [];
    while (i + 1 < lines.length && !/^```\s*$/.test(lines[i + 1])) body.push(lines[++i]);
    i++; // the closing fence
    const directives = pending ?? { after: [], setup: [] };
    pending = undefined;
    const base = {
      file,
      line: open,
      id: directives.id ?? `${file}:${open}`,
      after: directives.after,
      setup: directives.setup,
      skip: directives.skip,
      body: body.join('\n') + '\n',
    };
    if (directives.write !== undefined) examples.push({ ...base, kind: 'file', writeTo: directives.write, commands: [] });
    else if (language === 'sh') examples.push({ ...base, kind: 'script', commands: [] });
    else if (language === 'text' && body.some((l) => l.startsWith('$ '))) {
      examples.push({ ...base, kind: 'transcript', commands: parseTranscript(body, open + 1) });
    }
  }
  return examples;
}
