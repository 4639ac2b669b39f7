/**
 * Docs examples, step 2 of 3 (extract → run → match): runs the examples of README.md and
 * docs/*.md the way a reader would type them, and checks what they print.
 *
 * How a command runs (the convention docs/cli.md states in "Examples in these docs are tested"):
 * - in bash, in a fresh scratch directory per example (`.tmp/docs-examples/<doc>-<line>/`), with
 *   stderr joined to stdout as a terminal shows them;
 * - `edgeq` is the workspace CLI and `tsx`, `vitest`… the workspace's tools: the repository's
 *   `node_modules/.bin` comes first on PATH (so `npx edgeq` and `npx tsx` resolve locally too);
 * - the scratch directory links the repository's `packages/` and `examples/`, so paths such as
 *   `packages/cli/bin/edgeq.js` work as they do from a checkout; everything an example writes
 *   stays in the scratch directory;
 * - `gcc`, `make`, `python3` are the machine's; `EDGEQ_PROGRESS=0` (no progress bars);
 * - examples named in `after:` run first in the same directory, so a chain such as
 *   train → qat → freeze → simulate runs in order (once per process: what they leave behind is
 *   kept and copied into each later example that names the same list; an example that already
 *   ran as a test is not run again for that, its scratch directory is the starting point).
 * Not run (`skip:` in the doc): `npm run demo` and `npx tsx examples/fashion-mnist/run.ts` (the
 * demo has its own test, test/fashion-mnist-demo.test.ts, on a small slice) and `npm test` (the
 * test suite itself, which includes this runner).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractExamples, type DocExample, type TranscriptCommand } from './extract.js';
import { compareOutput, type OutputDifference } from './match.js';

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the scratch directories go (git-ignored). */
export const SCRATCH_ROOT = path.join(REPO_ROOT, '.tmp', 'docs-examples');

/** Repository directories linked into every scratch directory. */
const LINKED_DIRS = ['packages', 'examples'];

/** One command's time limit. */
const COMMAND_TIMEOUT_MS = 300_000;

/** The docs whose examples are run, relative to the repository root: README.md and docs/*.md. */
export function docFiles(root: string = REPO_ROOT): string[] {
  const docs = readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

/** Every example of the docs, checked for unique ids and known `after:` names. */
export function loadDocExamples(root: string = REPO_ROOT): DocExample[] {
  const examples = docFiles(root).flatMap((file) => extractExamples(file, readFileSync(path.join(root, file), 'utf8')));
  const ids = new Map<string, DocExample>();
  for (const e of examples) {
    const other = ids.get(e.id);
    if (other) throw new Error(`${e.file}:${e.line}: example id "${e.id}" is already used at ${other.file}:${other.line}`);
    ids.set(e.id, e);
  }
  for (const e of examples) {
    for (const name of e.after) if (!ids.has(name)) throw new Error(`${e.file}:${e.line}: after: no example has id "${name}"`);
  }
  return examples;
}

/** What one command printed and how it compares with the doc. */
export interface CommandResult {
  readonly command: TranscriptCommand;
  readonly exitCode: number;
  readonly output: string[];
  readonly difference?: OutputDifference;
}

/** The outcome of one example: its commands, or the error that stopped it. */
export interface ExampleResult {
  readonly example: DocExample;
  readonly scratchDir: string;
  readonly commands: CommandResult[];
  /** Set when a setup step, a prerequisite, a script or a command's exit status failed. */
  readonly error?: string;
}

interface ShellRun {
  exitCode: number;
  output: string;
}

function shellEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${path.join(REPO_ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    EDGEQ_PROGRESS: '0',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
}

/** Run `script` in bash in `cwd`, stderr joined to stdout. */
export function runShell(script: string, cwd: string, exitOnError = false): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `exec 2>&1\n${exitOnError ? 'set -e\n' : ''}${script}`], {
      cwd,
      env: shellEnvironment(),
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: COMMAND_TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : -1), output: Buffer.concat(chunks).toString('utf8') }));
  });
}

function outputLines(text: string): string[] {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A fresh scratch directory for an example, with the repository directories linked in. */
function freshScratchDir(example: DocExample): string {
  const dir = path.join(SCRATCH_ROOT, `${example.file.replace(/[^A-Za-z0-9]+/g, '-')}-${example.line}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of LINKED_DIRS) {
    if (existsSync(path.join(REPO_ROOT, name))) symlinkSync(path.join(REPO_ROOT, name), path.join(dir, name));
  }
  return dir;
}

async function runSetup(example: DocExample, cwd: string): Promise<void> {
  for (const command of example.setup) {
    const r = await runShell(command, cwd, true);
    if (r.exitCode !== 0) throw new Error(`setup "${command}" exited ${r.exitCode}: ${r.output.trim()}`);
  }
}

/** Run an example's effects only (a prerequisite): files written, commands run, output not compared. */
async function runAsPrerequisite(example: DocExample, byId: Map<string, DocExample>, cwd: string, done: Set<string>): Promise<void> {
  if (done.has(example.id)) return;
  done.add(example.id);
  for (const name of example.after) await runAsPrerequisite(byId.get(name)!, byId, cwd, done);
  await runSetup(example, cwd);
  const where = `prerequisite ${example.id} (${example.file}:${example.line})`;
  if (example.kind === 'file') {
    mkdirSync(path.dirname(path.join(cwd, example.writeTo!)), { recursive: true });
    writeFileSync(path.join(cwd, example.writeTo!), example.body);
  } else if (example.kind === 'script') {
    const r = await runShell(example.body, cwd, true);
    if (r.exitCode !== 0) throw new Error(`${where} exited ${r.exitCode}: ${r.output.trim()}`);
  } else {
    for (const c of example.commands) {
      const r = await runShell(c.command, cwd);
      if (r.exitCode !== c.expectedExitCode) throw new Error(`${where}: "$ ${c.command}" exited ${r.exitCode}: ${r.output.trim()}`);
    }
  }
}

/** Directories holding what an `after:` list left behind, by list, for this process's later examples. */
const prerequisiteCache = new Map<string, string>();

/**
 * Scratch directories of examples that already ran in this process with every command exiting
 * as the doc says, by id: each holds exactly what running that example as a prerequisite
 * leaves behind (its own `after:` examples, its setup, its commands), so a later example
 * naming it first in `after:` starts from a copy instead of running the same commands again.
 */
const completedExamples = new Map<string, string>();

/** Copy what `from` holds (not the linked repository directories) into `to`. */
function copyWorkspace(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    if (!LINKED_DIRS.includes(entry)) cpSync(path.join(from, entry), path.join(to, entry), { recursive: true, verbatimSymlinks: true });
  }
}

/** `id` and every example its `after:` lists name, transitively. */
function withPrerequisites(id: string, byId: Map<string, DocExample>, into = new Set<string>()): Set<string> {
  if (into.has(id)) return into;
  into.add(id);
  for (const name of byId.get(id)!.after) withPrerequisites(name, byId, into);
  return into;
}

/**
 * Make `scratchDir` hold what the example's `after:` examples leave behind: they run once per
 * process into a cache directory, copied for every later example naming the same list. When
 * the list's first example already ran as a test in this process, the cache directory starts
 * from a copy of that example's scratch directory and only the rest of the list runs.
 */
async function preparePrerequisites(example: DocExample, byId: Map<string, DocExample>, scratchDir: string): Promise<void> {
  if (example.after.length === 0) return;
  const key = example.after.join(',');
  let cacheDir = prerequisiteCache.get(key);
  if (cacheDir === undefined) {
    cacheDir = path.join(SCRATCH_ROOT, '.after', key.replace(/[^A-Za-z0-9]+/g, '-'));
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    for (const name of LINKED_DIRS) symlinkSync(path.join(REPO_ROOT, name), path.join(cacheDir, name));
    const done = new Set<string>([example.id]);
    const [first] = example.after;
    const ranAsTest = completedExamples.get(first);
    if (ranAsTest !== undefined && !withPrerequisites(first, byId).has(example.id)) {
      copyWorkspace(ranAsTest, cacheDir);
      withPrerequisites(first, byId, done);
    }
    for (const name of example.after) await runAsPrerequisite(byId.get(name)!, byId, cacheDir, done);
    prerequisiteCache.set(key, cacheDir);
  }
  copyWorkspace(cacheDir, scratchDir);
}

/**
 * Run one example in a fresh scratch directory: its `after:` examples and `setup:` commands
 * first, then its own commands, comparing each one's output and exit status with the doc.
 * Never throws for a failing example: the result carries the error or the differences.
 */
export async function runExample(example: DocExample, all: readonly DocExample[]): Promise<ExampleResult> {
  const scratchDir = freshScratchDir(example);
  const byId = new Map(all.map((e) => [e.id, e]));
  const commands: CommandResult[] = [];
  try {
    await preparePrerequisites(example, byId, scratchDir);
    await runSetup(example, scratchDir);
    if (example.kind === 'script') {
      const r = await runShell(example.body, scratchDir, true);
      if (r.exitCode !== 0) return { example, scratchDir, commands, error: `the script exited ${r.exitCode}; it printed:\n${r.output.trim()}` };
    } else if (example.kind === 'transcript') {
      for (const c of example.commands) {
        const r = await runShell(c.command, scratchDir);
        const output = outputLines(r.output);
        commands.push({ command: c, exitCode: r.exitCode, output, difference: compareOutput(c.expectedOutput, output) });
      }
    }
    // What a prerequisite run requires (every exit status as documented; output not compared).
    if (commands.every((c) => c.exitCode === c.command.expectedExitCode)) completedExamples.set(example.id, scratchDir);
  } catch (e) {
    return { example, scratchDir, commands, error: (e as Error).message };
  }
  return { example, scratchDir, commands };
}

/** Whether an example ran as its doc says. */
export function exampleSucceeded(result: ExampleResult): boolean {
  return result.error === undefined && result.commands.every((c) => c.difference === undefined && c.exitCode === c.command.expectedExitCode);
}

/**
 * What went wrong, naming the doc file and line, the command and its first differing line;
 * undefined when the example ran as documented.
 */
export function describeFailure(result: ExampleResult): string | undefined {
  const { example } = result;
  if (result.error !== undefined) return `${example.file}:${example.line}: ${result.error}`;
  for (const c of result.commands) {
    const at = `${example.file}:${c.command.line}: $ ${c.command.command}`;
    if (c.difference) {
      const d = c.difference;
      const docLine = c.command.outputLines[0] + d.index;
      return [
        `${at}`,
        `  first difference at ${example.file}:${docLine}`,
        `  doc shows: ${d.expected === undefined ? '(no more lines)' : JSON.stringify(d.expected)}`,
        `  printed:   ${d.actual === undefined ? '(no more lines)' : JSON.stringify(d.actual)}`,
        `  everything printed (exit ${c.exitCode}):`,
        ...c.output.map((l) => `    ${l}`),
      ].join('\n');
    }
    if (c.exitCode !== c.command.expectedExitCode) return `${at}\n  exited ${c.exitCode}, the doc says ${c.command.expectedExitCode}`;
  }
  return undefined;
}
