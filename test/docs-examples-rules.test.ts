// The docs-example rules themselves: how blocks become examples, how placeholders match, how
// --update keeps them and how `after:` examples are prepared (test/support/docs-examples/
// {extract,match,update,run}.ts), on small made-up docs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractExamples } from './support/docs-examples/extract.js';
import { compareOutput, lineMatches, updatedOutput } from './support/docs-examples/match.js';
import { rewriteDocOutputs } from './support/docs-examples/update.js';
import { SCRATCH_ROOT, describeFailure, runExample, type ExampleResult } from './support/docs-examples/run.js';

const DOC = [
  '# t', // 1
  '<!-- example', // 2
  'id: first', // 3
  'setup: touch a', // 4
  '-->', // 5
  '```text', // 6
  '$ edgeq x --flag', // 7
  'line one', // 8
  'took <n> ms', // 9
  '$ edgeq bad   (exit 2)', // 10
  '```', // 11
  '', // 12
  '```sh', // 13
  'echo hi', // 14
  '```', // 15
  '```text', // 16
  'no commands here', // 17
  '```', // 18
  '<!-- example', // 19
  'after: first', // 20
  'write: main.c', // 21
  '-->', // 22
  '```c', // 23
  'int main(void) { return 0; }', // 24
  '```', // 25
].join('\n');

describe('extracting examples', () => {
  const examples = extractExamples('doc.md', DOC);

  it('finds transcripts, scripts and files, with their directives and lines', () => {
    expect(examples.map((e) => [e.kind, e.line, e.id])).toEqual([
      ['transcript', 6, 'first'],
      ['script', 13, 'doc.md:13'],
      ['file', 23, 'doc.md:23'],
    ]);
    expect(examples[0].setup).toEqual(['touch a']);
    expect(examples[2].after).toEqual(['first']);
    expect(examples[2].writeTo).toBe('main.c');
    expect(examples[1].body).toBe('echo hi\n');
  });

  it('splits a transcript into commands, outputs and exit statuses', () => {
    const [a, b] = examples[0].commands;
    expect(a).toMatchObject({ command: 'edgeq x --flag', line: 7, expectedOutput: ['line one', 'took <n> ms'], expectedExitCode: 0, outputLines: [8, 9] });
    expect(b).toMatchObject({ command: 'edgeq bad', line: 10, expectedOutput: [], expectedExitCode: 2, exitOnCommandLine: true });
  });

  it('refuses a directive it does not know', () => {
    expect(() => extractExamples('d.md', '<!-- example\nrun: x\n-->\n```sh\nx\n```')).toThrow(/d\.md:3: .*"run: x"/);
  });
});

describe('matching printed output', () => {
  it('<n> matches a number, nothing else', () => {
    expect(lineMatches('took <n> ms', 'took 1,234.5 ms')).toBe(true);
    expect(lineMatches('took <n> ms', 'took -3 ms')).toBe(true);
    expect(lineMatches('took <n> ms', 'took many ms')).toBe(false);
    expect(lineMatches('took <n> ms', 'took 12 s')).toBe(false);
  });

  it('… matches text within a line; space runs match space runs', () => {
    expect(lineMatches('warning: …/specs/dscnn.json: x', 'warning: /work/repo/packages/cli/specs/dscnn.json: x')).toBe(true);
    expect(lineMatches('a  b', 'a b')).toBe(true);
    expect(lineMatches('a  b', 'ab')).toBe(false);
  });

  it('reports the first differing line; a line "..." stands for any lines', () => {
    expect(compareOutput(['a', 'b'], ['a', 'b'])).toBeUndefined();
    expect(compareOutput(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual({ index: 1, expected: 'b', actual: 'x' });
    expect(compareOutput(['a'], ['a', 'extra'])).toEqual({ index: 1, expected: undefined, actual: 'extra' });
    expect(compareOutput(['a', 'b'], ['a'])).toEqual({ index: 1, expected: 'b', actual: undefined });
    expect(compareOutput(['a', '...', 'z'], ['a', 'p', 'q', 'z'])).toBeUndefined();
    expect(compareOutput(['a', '...', 'z'], ['a', 'z'])).toBeUndefined();
    expect(compareOutput(['a', '...', 'z'], ['a', 'p', 'y'])).toMatchObject({ expected: 'z' });
  });

  it('--update keeps the lines that still match, placeholders included, and takes the rest', () => {
    expect(updatedOutput(['n = <n>', 'old', 'end'], ['n = 7', 'new', 'end'])).toEqual(['n = <n>', 'new', 'end']);
    expect(updatedOutput(['a', '...', 'z'], ['a', 'p', 'q', 'z'])).toEqual(['a', '...', 'z']);
    expect(updatedOutput(['a', '...', 'total: 7'], ['a', 'p', 'total: 2'])).toEqual(['a', '...', 'total: 2']);
  });

  it('--update rewrites a doc: outputs replaced, exit statuses annotated', () => {
    const [example] = extractExamples('doc.md', DOC);
    const result: ExampleResult = {
      example,
      scratchDir: '/tmp/x',
      commands: [
        { command: example.commands[0], exitCode: 0, output: ['line 1', 'took 5 ms'] },
        { command: example.commands[1], exitCode: 3, output: ['edgeq bad: no'] },
      ],
    };
    const lines = rewriteDocOutputs(DOC, [result]).split('\n');
    expect(lines.slice(6, 11)).toEqual(['$ edgeq x --flag', 'line 1', 'took <n> ms', '$ edgeq bad', 'edgeq bad: no   (exit 3)']);
  });
});

describe('preparing `after:` examples', () => {
  // Each example appends its id to a log outside the scratch directories, so the test sees every
  // time an example's commands ran; each leaves a file the examples after it read.
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'edgeq-docs-after-'));
  const log = path.join(logDir, 'runs.log');
  const step = (id: string, after: string, reads: string) => [
    '<!-- example', `id: ${id}`, ...(after ? [`after: ${after}`] : []), '-->', '```sh',
    ...(reads ? [`cat ${reads}`] : []), `echo ${id} >> ${log}`, `echo ${id} > ${id}.txt`, '```', '',
  ];
  const doc = [
    ...step('rules-first', '', ''),
    ...step('rules-second', 'rules-first', 'rules-first.txt'),
    ...step('rules-third', 'rules-first, rules-second', 'rules-first.txt rules-second.txt'),
    ...step('rules-alone', '', ''),
    ...step('rules-after-alone', 'rules-alone', 'rules-alone.txt'),
  ].join('\n');
  const examples = extractExamples('docs-rules-after.md', doc);
  const [first, second, third, alone, afterAlone] = examples;
  const runs = () => readFileSync(log, 'utf8').trim().split('\n');
  afterAll(() => {
    rmSync(logDir, { recursive: true, force: true });
    for (const e of examples) rmSync(path.join(SCRATCH_ROOT, `docs-rules-after-md-${e.line}`), { recursive: true, force: true });
    for (const key of ['rules-first', 'rules-first-rules-second', 'rules-alone']) rmSync(path.join(SCRATCH_ROOT, '.after', key), { recursive: true, force: true });
  });

  it('an example that already ran as a test is not run again for the examples after it; the rest of the list still runs', async () => {
    for (const e of [first, second, third]) expect(describeFailure(await runExample(e, examples))).toBeUndefined();
    // first ran once (as its own test); second ran as its test and once more for third's list.
    expect(runs()).toEqual(['rules-first', 'rules-second', 'rules-second', 'rules-third']);
  });

  it('an example that has not run yet runs as a prerequisite first', async () => {
    expect(describeFailure(await runExample(afterAlone, examples))).toBeUndefined();
    expect(runs().slice(4)).toEqual(['rules-alone', 'rules-after-alone']);
    // Its own test later still runs it (it is checked where it stands).
    expect(describeFailure(await runExample(alone, examples))).toBeUndefined();
    expect(runs().slice(6)).toEqual(['rules-alone']);
  });
});
