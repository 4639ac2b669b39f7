/**
 * Writes a report directory: report.html (self-contained), charts/<id>.svg and, when
 * `png` is set, charts/<id>.png — all into a temporary directory renamed into place.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeOutput } from '../atomic.js';
import { buildCharts, type ChartSpec } from './charts.js';
import { reportHtml } from './html.js';
import { renderSvg, svgToPng } from './render.js';
import type { EdgeqResults } from './schema.js';

/** What `writeReport` produced. */
export interface ReportFiles {
  dir: string;
  html: string;
  charts: { id: string; svg: string; png?: string }[];
}

/**
 * Render `results` into `outDir` (replaced atomically).
 * @param results validated results document
 * @param outDir report directory
 * @param opts png: also rasterise each chart
 */
export async function writeReport(results: EdgeqResults, outDir: string, opts: { png?: boolean } = {}): Promise<ReportFiles> {
  const dir = path.resolve(outDir);
  const charts: ChartSpec[] = buildCharts(results);
  const rendered: { chart: ChartSpec; svg: string }[] = [];
  for (const chart of charts) rendered.push({ chart, svg: await renderSvg(chart.spec) });
  const files: ReportFiles = { dir, html: path.join(dir, 'report.html'), charts: [] };
  await writeOutput(dir, 'dir', async (tmp) => {
    await fs.mkdir(path.join(tmp, 'charts'));
    for (const { chart, svg } of rendered) {
      await fs.writeFile(path.join(tmp, 'charts', `${chart.id}.svg`), svg);
      const entry: ReportFiles['charts'][number] = { id: chart.id, svg: path.join(dir, 'charts', `${chart.id}.svg`) };
      if (opts.png) {
        await fs.writeFile(path.join(tmp, 'charts', `${chart.id}.png`), svgToPng(svg));
        entry.png = path.join(dir, 'charts', `${chart.id}.png`);
      }
      files.charts.push(entry);
    }
    await fs.writeFile(path.join(tmp, 'report.html'), reportHtml(results, rendered));
  }, 'report.html');
  return files;
}
