/**
 * `edgeq report`: results document (edgeq.results/1) → report directory with one
 * self-contained HTML page and every chart as SVG and PNG.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { action } from '../command.js';
import { inputError } from '../errors.js';
import { pct } from '../report/html.js';
import { variantLabel } from '../report/charts.js';

interface ReportOpts {
  out: string;
  png: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render a results document into one self-contained HTML report plus SVG/PNG charts')
    .argument('<results>', 'results JSON (schema edgeq.results/1, see docs/cli.md)')
    .option('-o, --out <dir>', 'report directory (replaced atomically)', 'report')
    .option('--no-png', 'skip the PNG copies of the charts')
    .addHelpText('after', '\nExample:\n  edgeq report out/results.json --out out/report\n')
    .action(
      action<ReportOpts>(program, async ([file], { opts, out }) => {
        const { parseResults } = await import('../report/schema.js');
        const { writeReport } = await import('../report/write.js');
        let doc: unknown;
        try {
          doc = JSON.parse(await fs.readFile(file, 'utf8'));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw inputError(`${file}: ${code === 'ENOENT' ? 'no such file or directory' : code ? (e as Error).message : `not valid JSON (${(e as Error).message})`}`);
        }
        let results;
        try {
          results = parseResults(doc, file);
        } catch (e) {
          throw inputError((e as Error).message);
        }
        const files = await writeReport(results, opts.out, { png: opts.png });
        out.json({ ok: true, ...files });
        for (const a of results.accuracy ?? []) out.line(`  ${variantLabel(a).padEnd(28)} ${pct(a.top1)}`);
        out.result(`report: ${path.relative(process.cwd(), files.html)} (${files.charts.length} charts as SVG${opts.png ? ' + PNG' : ''})`);
      }),
    );
}
