/**
 * Runs every shell example of README.md and docs/*.md and reports those whose printed output
 * or exit status differs from the doc (the conventions: test/support/docs-examples/run.ts).
 *
 *   npx tsx scripts/docs-examples.ts                 # check; exit 1 if any example differs
 *   npx tsx scripts/docs-examples.ts --update        # rewrite the docs' output lines from this run
 *   npx tsx scripts/docs-examples.ts README.md:120   # only the example whose block starts there
 *
 * test/docs-examples.test.ts runs the same check under vitest.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeFailure, exampleSucceeded, loadDocExamples, REPO_ROOT, runExample, type ExampleResult } from '../test/support/docs-examples/run.js';
import { rewriteDocOutputs } from '../test/support/docs-examples/update.js';

const args = process.argv.slice(2);
const update = args.includes('--update');
const only = args.filter((a) => a !== '--update');

const all = loadDocExamples();
const selected = all.filter((e) => e.kind !== 'file' && (only.length === 0 || only.includes(`${e.file}:${e.line}`)));
const results: ExampleResult[] = [];
let failures = 0;
for (const example of selected) {
  if (example.skip !== undefined) {
    console.log(`skip ${example.file}:${example.line}: ${example.skip}`);
    continue;
  }
  const started = Date.now();
  const result = await runExample(example, all);
  results.push(result);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (exampleSucceeded(result)) console.log(`ok   ${example.file}:${example.line} (${seconds} s)`);
  else {
    failures++;
    console.log(`FAIL ${describeFailure(result)}`);
  }
}

if (update) {
  for (const file of new Set(results.map((r) => r.example.file))) {
    const docPath = path.join(REPO_ROOT, file);
    const before = readFileSync(docPath, 'utf8');
    const after = rewriteDocOutputs(before, results.filter((r) => r.example.file === file));
    if (after !== before) {
      writeFileSync(docPath, after);
      console.log(`updated ${file}`);
    }
  }
  const stillFailing = results.filter((r) => r.error !== undefined).length;
  if (stillFailing > 0) console.log(`${stillFailing} example(s) failed before printing: fix them by hand`);
  process.exitCode = stillFailing > 0 ? 1 : 0;
} else {
  console.log(`${results.length - failures} of ${results.length} examples as documented`);
  process.exitCode = failures > 0 ? 1 : 0;
}
