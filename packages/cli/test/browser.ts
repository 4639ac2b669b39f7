// Opens a report page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) and reads back what a person would see: console problems, each chart's
// rendered marks and size (at a given screen width, e.g. a 375 px phone), the accuracy
// table, the parity verdicts and the "how to read this report" notes.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** What the page shows. */
export interface ReportView {
  /** Console errors/warnings, page errors and failed requests. */
  problems: string[];
  /** Each chart: rendered marks, rendered width, and that width over the SVG's own (1 = not shrunk). */
  charts: { id: string; marks: number; width: number; scale: number }[];
  /** Width of the page's content (wider than the screen = the page scrolls sideways). */
  pageWidth: number;
  /** Text of the "How to read this report" section. */
  reading: string;
  /** Cells of the confusion matrix chart. */
  confusionCells: number;
  /** Rows of the accuracy table; `change` is the "vs float" column. */
  accuracy: { label: string; top1: string; correct: string; change: string }[];
  parity: string;
  /** Cell texts of the task-metrics table, row by row (header cell first). */
  metrics: string[][];
  missing: string[];
}

/** Load `htmlFile` and collect its {@link ReportView}. */
export async function viewReport(htmlFile: string, opts: { width?: number; screenshot?: string } = {}): Promise<ReportView> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install the Debian package chromium (scripts/bootstrap.sh does)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage(opts.width ? { viewport: { width: opts.width, height: 800 } } : {});
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    const charts = await page.$$eval('figure[data-chart]', (figs) =>
      figs.map((f) => ({
        id: f.getAttribute('data-chart') ?? '',
        marks: f.querySelectorAll('svg .role-mark > path, svg .role-mark > rect, svg .role-mark > line, svg .role-mark > text, svg .role-mark > g').length,
        width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
        scale: (f.querySelector('svg')?.getBoundingClientRect().width ?? 0) / Number(f.querySelector('svg')?.getAttribute('width') ?? 1),
      })),
    );
    const pageWidth = await page.$eval('html', (html) => html.scrollWidth);
    const reading = (await page.textContent('ul.reading').catch(() => null)) ?? '';
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
    const confusionCells = await page.$$eval('figure[data-chart="confusion"] svg .mark-rect.role-mark path', (p) => p.length);
    const accuracy = await page.$$eval('#accuracy-table tbody tr', (trs) =>
      trs.map((tr) => ({ label: tr.querySelector('th')?.textContent ?? '', top1: tr.querySelector('td.top1')?.textContent ?? '', correct: tr.querySelectorAll('td')[4]?.textContent ?? '', change: tr.querySelector('td.change')?.textContent ?? '' })),
    );
    const parity = (await page.textContent('#parity').catch(() => null)) ?? '';
    const missing = await page.$$eval('.missing', (ps) => ps.map((p) => p.textContent ?? ''));
    const metrics = await page.$$eval('#metrics-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent ?? '')));
    return { problems, charts, pageWidth, reading, confusionCells, accuracy, parity, metrics, missing };
  } finally {
    await browser.close();
  }
}
