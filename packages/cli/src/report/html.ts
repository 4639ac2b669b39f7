/**
 * The report page: one self-contained HTML file (inline CSS, charts inlined as SVG, no
 * scripts, no external resources) with what a reader needs to trust the figures (what
 * each variant is, which variant parity ran on, what the cost figures count), the
 * accuracy and task-metric tables, charts, parity verdicts, cost table and the session
 * log. Sections without data say "not measured" and why. Laid out for narrow screens too.
 */

import type { ChartSpec } from './charts.js';
import { changeVsFloat, memoryParts, variantLabel } from './charts.js';
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

/** A table in a box that scrolls sideways on a narrow screen (the page itself never does). */
const scroll = (table: string) => `<div class="scroll">${table}</div>`;

function accuracyTable(r: EdgeqResults): string {
  if (!r.accuracy?.length) return missing(r, 'accuracy');
  const rows = r.accuracy
    .map(
      (a) => `<tr data-variant="${esc(a.variant)}" data-scales="${esc(a.scales ?? 'float')}" data-weight-bits="${a.variant === 'float' ? '' : (a.weightBits ?? 8)}">` +
        `<th scope="row">${esc(variantLabel(a))}</th><td>${esc(a.scales ?? '—')}</td><td>${esc(a.granularity ?? '—')}${a.weightBits === 4 ? ', 4-bit' : ''}</td>` +
        `<td class="num top1">${pct(a.top1)}</td><td class="num change">${a.variant === 'float' ? '—' : esc(changeVsFloat(r, a.top1) ?? 'no float row')}</td>` +
        `<td class="num">${num(a.correct)} / ${num(a.total)}</td><td>${esc(a.evaluatedBy)}</td></tr>`,
    )
    .join('\n');
  return scroll(`<table id="accuracy-table"><thead><tr><th>model</th><th>scales</th><th>weights</th><th>top-1</th><th>vs float</th><th>correct</th><th>evaluated by</th></tr></thead><tbody>\n${rows}\n</tbody></table>`);
}

/** Float and int8 figures of each task metric side by side (any task: top-1, MSE, ROC-AUC, agreement). */
function metricsTable(r: EdgeqResults): string {
  if (!r.metrics?.length) return '';
  const rows = r.metrics
    .map((m) => {
      const float = m.variant === 'float' ? undefined : r.metrics!.find((f) => f.variant === 'float' && f.metric === m.metric && f.data === m.data);
      const delta = float ? m.value - float.value : undefined;
      const better = delta === undefined || delta === 0 ? '' : (delta > 0) === m.higherIsBetter ? ' (better)' : ' (worse)';
      return `<tr data-variant="${esc(m.variant)}"><th scope="row">${esc(variantLabel(m))}</th><td>${esc(m.task)}</td><td>${esc(m.metric)}</td>` +
        `<td class="num">${esc(+m.value.toPrecision(6))}</td><td class="num">${delta === undefined ? '—' : `${delta >= 0 ? '+' : '−'}${esc(+Math.abs(delta).toPrecision(4))}${better}`}</td>` +
        `<td class="num">${num(m.samples)}</td><td>${esc(m.data ?? '—')}</td><td>${esc(m.evaluatedBy)}</td></tr>`;
    })
    .join('\n');
  return `<h2 id="metrics">Task metrics: float and int8 side by side</h2>` +
    scroll(`<table id="metrics-table"><thead><tr><th>model</th><th>task</th><th>metric</th><th>value</th><th>vs float</th><th>samples</th><th>data</th><th>evaluated by</th></tr></thead><tbody>\n${rows}\n</tbody></table>`);
}

function parity(r: EdgeqResults): string {
  if (!r.parity?.length) return missing(r, 'parity');
  return `<ul id="parity">${r.parity
    .map((p) => `<li class="${p.exactVectors === p.vectors ? 'pass' : 'fail'}"><span class="verdict">${p.exactVectors === p.vectors ? '✔' : '✘'}</span> <code>${esc(p.line)}</code>` +
      `${p.variant || p.vectorsFrom ? `<br><span class="what">on ${esc(p.variant ?? 'the model')}${p.vectorsFrom ? ` · ${esc(p.vectorsFrom)}` : ''}</span>` : ''}</li>`)
    .join('')}</ul>`;
}

function costs(r: EdgeqResults): string {
  if (!r.costs?.length) return missing(r, 'costs');
  const rows = r.costs
    .map((c) => {
      const parts = memoryParts(c);
      const rest = (i: number) => (parts.length ? num(parts[i].bytes) : '—');
      return `<tr><th scope="row">${esc(c.target)}</th><td class="num">${num(c.flashBytes)}</td><td class="num">${num(c.constBytes)}</td><td class="num">${rest(1)}</td>` +
        `<td class="num">${num(c.ramBytes)}</td><td class="num">${num(c.arenaBytes)}</td><td class="num">${rest(3)}</td>` +
        `<td class="num">${num(c.instructions)}</td><td class="num">${c.microseconds === undefined ? '—' : c.microseconds.toFixed(1)}</td><td>${esc(c.variant ?? '—')}</td></tr>`;
    })
    .join('');
  return scroll(`<table id="cost-table"><thead><tr><th>target</th><th>flash (B)</th><th>of which model constants</th><th>of which code + harness</th>` +
    `<th>RAM (B)</th><th>of which model arena</th><th>of which stack + harness</th><th>instructions (not cycles)</th><th>µs / inference (host)</th><th>model</th></tr></thead><tbody>${rows}</tbody></table>`);
}

/** What the figures are: the variants, the accuracy axis, parity's model, what costs count. */
function reading(r: EdgeqResults): string {
  const items: string[] = [];
  const variants = r.variants?.length
    ? r.variants.map((v) => `<li data-variant="${esc(v.variant)}"><b>${esc(variantLabel(v))}</b>: ${esc(v.description)}${v.epochs !== undefined ? ` (${v.epochs} training epoch${v.epochs === 1 ? '' : 's'} in all)` : ''}</li>`).join('')
    : '<li><b>Float</b> is the trained float32 model; <b>PTQ</b> is that model calibrated and quantised with no further training; ' +
      '<b>QAT</b> is trained further with fake-quant (extra epochs the float model did not get, which is why QAT can match or beat float).</li>';
  items.push(`<li>The models compared:<ul id="variants">${variants}</ul></li>`);
  if (r.accuracy?.length) items.push('<li>Accuracy bars start at zero; each int8 variant\'s change against float is given in percentage points (pp).</li>');
  if (r.parity?.length) {
    const on = [...new Set(r.parity.map((p) => p.variant ?? 'not recorded'))];
    items.push(`<li>Parity ran on: ${on.map((v) => `<b>${esc(v)}</b>`).join(', ')}. It proves the firmware computes exactly what the int8 interpreter computes for that model; accuracy is the interpreter's.</li>`);
  }
  if (r.costs?.some((c) => c.instructions !== undefined)) items.push('<li>Instructions are executed instructions counted by QEMU (<code>-icount</code>), <b>instructions, not cycles</b>: a real core takes more cycles (wait states, multi-cycle instructions).</li>');
  if (r.costs?.length) {
    items.push('<li>Flash holds the <b>model constants</b> (weights, biases, requantisation parameters) and code: the int8 kernels and the <b>test harness</b> that runs parity (startup, UART, vector loop). ' +
      'RAM holds the <b>model arena</b> (activations) and the stack and harness data. The arena and constants are what the model costs in your firmware; the rest depends on your application.</li>');
  }
  return `<h2 id="reading">How to read this report</h2><ul class="reading">${items.join('')}</ul>`;
}

function training(r: EdgeqResults, charts: Map<string, { chart: ChartSpec; svg: string }>): string {
  const last = r.training?.at(-1);
  const story = r.training?.length
    ? `<p>${r.training.length} epoch${r.training.length > 1 ? 's' : ''} recorded; the last (${esc(last!.stage)}, epoch ${last!.epoch}) ended at loss ${last!.loss.toFixed(4)}.</p>`
    : '';
  return story + figure(charts, 'training', r);
}

function runs(r: EdgeqResults): string {
  if (!r.runs?.length) return '';
  return `<h2 id="session">Session</h2><ol id="runs">${r.runs
    .map((x) => `<li><code>edgeq ${esc(x.argv.join(' '))}</code> <span class="what">${esc(x.at)} · ${x.sections.length ? esc(x.sections.join(', ')) : 'settings only'}</span></li>`)
    .join('')}</ol>`;
}

function settings(r: EdgeqResults): string {
  if (!r.settings || !Object.keys(r.settings).length) return '';
  return `<details><summary>Run settings</summary><table class="settings">${Object.entries(r.settings)
    .map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('')}</table></details>`;
}

const CHART_SECTION: Record<string, Section> = {
  accuracy: 'accuracy',
  training: 'training',
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
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa;overflow-wrap:anywhere}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px}
.scroll{overflow-x:auto;max-width:100%}.scroll table{overflow-wrap:normal}td.num{white-space:nowrap}figure svg{max-width:100%;height:auto}
.what{color:#666;font-size:13px}.reading li{margin:4px 0}code{overflow-wrap:anywhere}
@media (max-width:600px){main{padding:12px 10px 40px}figure{padding:6px;margin:10px 0}h1{font-size:21px}th,td{padding:4px 6px}}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;background:white;margin:8px 0}th,td{border:1px solid #ddd;padding:5px 10px;text-align:left}
thead th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{background:white;border:1px solid #e3e3e3;padding:12px;margin:12px 0;overflow-x:auto}figcaption{color:#666;font-size:12px;margin-top:6px}
.missing{color:#8a6d3b;background:#fcf8e3;border:1px solid #faebcc;padding:8px 12px}
#parity{list-style:none;padding:0}#parity li{margin:4px 0;font-size:15px}.pass .verdict{color:#2e7d32}.fail .verdict{color:#c62828}
.grid{display:flex;flex-wrap:wrap;gap:12px}.grid>*{min-width:0;max-width:100%}
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
${reading(r)}
<h2 id="accuracy">Accuracy: float, PTQ and QAT</h2>
${accuracyTable(r)}
${figure(charts, 'accuracy', r)}
${metricsTable(r)}
<h2 id="training">Training</h2>
${training(r, charts)}
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
${runs(r)}
<p class="sub">Generated by edgeq report from a results document (${esc(r.schema)}).</p>
</main></body></html>
`;
}
