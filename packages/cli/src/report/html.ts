/**
 * The report page: one self-contained HTML file (inline CSS, charts inlined as SVG, no
 * scripts, no external resources) with the accuracy table, charts, parity verdicts and
 * cost table. Sections without data say "not measured" and why.
 */

import type { ChartSpec } from './charts.js';
import { variantLabel } from './charts.js';
import type { EdgeqResults, Section } from './schema.js';

/** Escape text for HTML. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Accuracy as the CLI prints it: "91.23%". */
export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const num = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString('en-US'));

function missing(r: EdgeqResults, section: Section): string {
  const why = r.missing?.[section];
  return `<p class="missing">Not measured in this run${why ? `: ${esc(why)}` : '.'}</p>`;
}

function accuracyTable(r: EdgeqResults): string {
  if (!r.accuracy?.length) return missing(r, 'accuracy');
  const rows = r.accuracy
    .map(
      (a) => `<tr data-variant="${esc(a.variant)}" data-scales="${esc(a.scales ?? 'float')}">` +
        `<th scope="row">${esc(variantLabel(a))}</th><td>${esc(a.scales ?? '—')}</td><td>${esc(a.granularity ?? '—')}</td>` +
        `<td class="num top1">${pct(a.top1)}</td><td class="num">${num(a.correct)} / ${num(a.total)}</td><td>${esc(a.evaluatedBy)}</td></tr>`,
    )
    .join('\n');
  return `<table id="accuracy-table"><thead><tr><th>model</th><th>scales</th><th>weights</th><th>top-1</th><th>correct</th><th>evaluated by</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function parity(r: EdgeqResults): string {
  if (!r.parity?.length) return missing(r, 'parity');
  return `<ul id="parity">${r.parity
    .map((p) => `<li class="${p.exactVectors === p.vectors ? 'pass' : 'fail'}"><span class="verdict">${p.exactVectors === p.vectors ? '✔' : '✘'}</span> <code>${esc(p.line)}</code></li>`)
    .join('')}</ul>`;
}

function costs(r: EdgeqResults): string {
  if (!r.costs?.length) return missing(r, 'costs');
  const rows = r.costs
    .map((c) => `<tr><th scope="row">${esc(c.target)}</th><td class="num">${num(c.flashBytes)}</td><td class="num">${num(c.ramBytes)}</td><td class="num">${num(c.arenaBytes)}</td><td class="num">${num(c.constBytes)}</td><td class="num">${num(c.instructions)}</td><td class="num">${c.microseconds === undefined ? '—' : c.microseconds.toFixed(1)}</td></tr>`)
    .join('');
  return `<table id="cost-table"><thead><tr><th>target</th><th>flash (B)</th><th>RAM (B)</th><th>arena (B)</th><th>constants (B)</th><th>instructions</th><th>µs / inference</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function settings(r: EdgeqResults): string {
  if (!r.settings || !Object.keys(r.settings).length) return '';
  return `<details><summary>Run settings</summary><table class="settings">${Object.entries(r.settings)
    .map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('')}</table></details>`;
}

const CHART_SECTION: Record<string, Section> = {
  accuracy: 'accuracy',
  'weight-ranges': 'weightRanges',
  'activation-ranges': 'activationRanges',
  'layer-error': 'layerError',
  confusion: 'confusion',
  memory: 'costs',
  instructions: 'costs',
};

function figure(charts: Map<string, { chart: ChartSpec; svg: string }>, id: string, r: EdgeqResults): string {
  const c = charts.get(id);
  if (!c) return id === 'instructions' && r.costs?.length ? missing({ ...r, missing: { costs: r.missing?.costs ?? 'no target reported instruction counts' } }, 'costs') : missing(r, CHART_SECTION[id]);
  return `<figure class="chart" data-chart="${esc(id)}">${c.svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${esc(c.chart.title)} · <a href="charts/${esc(id)}.svg">SVG</a></figcaption></figure>`;
}

const CSS = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;background:white;margin:8px 0}th,td{border:1px solid #ddd;padding:5px 10px;text-align:left}
thead th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{background:white;border:1px solid #e3e3e3;padding:12px;margin:12px 0;overflow-x:auto}figcaption{color:#666;font-size:12px;margin-top:6px}
.missing{color:#8a6d3b;background:#fcf8e3;border:1px solid #faebcc;padding:8px 12px}
#parity{list-style:none;padding:0}#parity li{margin:4px 0;font-size:15px}.pass .verdict{color:#2e7d32}.fail .verdict{color:#c62828}
.grid{display:flex;flex-wrap:wrap;gap:12px}
`;

/** Assemble the report page from results and rendered charts (id → SVG). */
export function reportHtml(r: EdgeqResults, rendered: { chart: ChartSpec; svg: string }[]): string {
  const charts = new Map(rendered.map((x) => [x.chart.id, x]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(r.title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(r.title)}</h1>
<p class="sub">${esc(r.model.name)} on ${esc(r.model.dataset)}${r.createdAt ? ` · ${esc(r.createdAt)}` : ''}</p>
${r.model.notes ? `<p>${esc(r.model.notes)}</p>` : ''}
${settings(r)}
<h2 id="accuracy">Accuracy: float, PTQ and QAT</h2>
${accuracyTable(r)}
${figure(charts, 'accuracy', r)}
<h2 id="parity-verdict">Parity: generated firmware vs the integer interpreter</h2>
${parity(r)}
<h2 id="costs">Cost per target</h2>
${costs(r)}
<div class="grid">${figure(charts, 'memory', r)}${figure(charts, 'instructions', r)}</div>
<h2 id="weights">Per-channel weight ranges</h2>
${figure(charts, 'weight-ranges', r)}
<h2 id="activations">Activation ranges</h2>
${figure(charts, 'activation-ranges', r)}
<h2 id="layer-error">Per-layer error, float vs int8</h2>
${figure(charts, 'layer-error', r)}
<h2 id="confusion">Confusion matrix</h2>
${figure(charts, 'confusion', r)}
<p class="sub">Generated by edgeq report from a results document (${esc(r.schema)}).</p>
</main></body></html>
`;
}
