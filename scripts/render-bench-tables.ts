/**
 * Writes the README's bench sections (between `<!-- bench:NAME -->` markers) from
 * bench/results/{arena,mcu,qat}.json; run it after re-measuring. `--check` only reports
 * whether the README is current (exit 1 if not); test/readme-bench-tables.test.ts checks the same.
 *
 *   npx tsx scripts/render-bench-tables.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readBenchResults, README_PATH, renderedReadme } from '../bench/lib/readme-file.js';

const current = readFileSync(README_PATH, 'utf8');
const rendered = renderedReadme(current, readBenchResults());
if (process.argv.includes('--check')) {
  console.log(rendered === current ? 'README.md bench sections are current' : 'README.md bench sections differ from bench/results: run npx tsx scripts/render-bench-tables.ts');
  process.exitCode = rendered === current ? 0 : 1;
} else if (rendered !== current) {
  writeFileSync(README_PATH, rendered);
  console.log('updated README.md from bench/results');
} else {
  console.log('README.md bench sections are current');
}
