// Every shell example of README.md and docs/*.md runs as the doc shows it and prints what the
// doc says it prints (conventions: test/support/docs-examples/run.ts and docs/cli.md, "Examples
// in these docs are tested"). A failure names the doc file and line, the command and the first
// differing line; `npx tsx scripts/docs-examples.ts --update` rewrites the docs from a real run.
import { describe, expect, it } from 'vitest';
import { describeFailure, loadDocExamples, runExample } from './support/docs-examples/run.js';

const all = loadDocExamples();
const runnable = all.filter((e) => e.kind !== 'file');

describe('docs examples', () => {
  it('README.md and docs/cli.md have examples, and of theirs only the demo, the test suite and the npm install (run by its own test) are skipped', () => {
    const files = new Set(runnable.map((e) => e.file));
    expect(files.has('README.md') && files.has('docs/cli.md')).toBe(true);
    const main = runnable.filter((e) => e.file === 'README.md' || e.file === 'docs/cli.md');
    expect(main.filter((e) => e.skip === undefined).length).toBeGreaterThanOrEqual(15);
    const skipped = main.filter((e) => e.skip !== undefined).map((e) => e.body.trim());
    // The npm block (pack, install from the tarballs) is run verbatim by test/npm-packages.test.ts.
    expect(skipped.every((body) => /npm run demo|npm test|examples\/fashion-mnist\/run\.ts|^scripts\/build-packages\.sh --pack /.test(body))).toBe(true);
  });

  for (const example of runnable) {
    const name = `${example.file}:${example.line} (${example.kind}${example.commands.length ? `: ${example.commands.map((c) => c.command.split(' ').slice(0, 2).join(' ')).join(', ')}` : ''})`;
    // Excluded examples (the demo and the suite itself) are checked by the first test, not skipped here.
    if (example.skip !== undefined) continue;
    // Examples run one after another: each starts several node processes and compilers, and
    // running them concurrently does not pay on a busy 2-core machine.
    it(name, async () => {
      const result = await runExample(example, all);
      const failure = describeFailure(result);
      expect(failure, failure).toBeUndefined();
    }, 600_000);
  }
});
