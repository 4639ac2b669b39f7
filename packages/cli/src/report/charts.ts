/**
 * The report's charts as vega-lite specifications, one builder per results section. Each
 * returns undefined when its section has no data, so the report shows "not measured"
 * instead of an empty plot. Layer order is kept as in the graph (sort: null). Charts are
 * at most {@link CHART_WIDTH} px wide overall (axis labels included) so that they stay
 * readable on a phone (~375 px) without shrinking; accuracy axes start at zero.
 */

import type { TopLevelSpec } from 'vega-lite';
import type { EdgeqResults } from './schema.js';

/** A chart to render: file stem, title, vega-lite spec. */
export interface ChartSpec {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
/** Overall width of a chart in px, labels and legend included: fits a 375 px screen. */
export const CHART_WIDTH = 320;
/** Fit the whole chart, axis labels included, into CHART_WIDTH. */
const fitWidth = { width: CHART_WIDTH, autosize: { type: 'fit-x' as const, contains: 'padding' as const } };
/** Height of a chart with one band per row (a fixed number: vega-lite's step heights do not mix with fit-x). */
const rowsHeight = (rows: number, step: number) => Math.max(1, rows) * step;
const bottomLegend = { orient: 'bottom' as const, title: null, direction: 'vertical' as const };
const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 14, anchor: 'start' as const } },
};

/** A vega-lite spec without the parts every chart shares (each member of the union keeps its own fields). */
type OwnSpec<T = TopLevelSpec> = T extends unknown ? Omit<T, '$schema' | 'background'> : never;

/** A chart with the shared look (font, background, title style). */
function chart(id: string, title: string, spec: OwnSpec): ChartSpec {
  return { id, title, spec: { ...base, ...spec } as TopLevelSpec };
}

/** "PTQ · fixed" style label of an accuracy row ("QAT · pow2 · W4" with 4-bit weights). */
export function variantLabel(r: { variant: string; scales: string | null; granularity?: string | null; weightBits?: number }): string {
  const v = r.variant === 'float' ? 'Float' : r.variant.toUpperCase();
  if (r.scales === null) return v;
  return `${v} · ${r.scales}${r.granularity === 'per-tensor' ? ' · per-tensor' : ''}${r.weightBits === 4 ? ' · W4' : ''}`;
}

/** Percentage-point change of `top1` against the float row, "+0.12 pp" (undefined without a float row). */
export function changeVsFloat(r: EdgeqResults, top1: number): string | undefined {
  const float = r.accuracy?.find((a) => a.variant === 'float');
  if (!float) return undefined;
  const pp = 100 * (top1 - float.top1);
  return `${pp >= 0 ? '+' : '\u2212'}${Math.abs(pp).toFixed(2)} pp`;
}

function accuracy(r: EdgeqResults): ChartSpec | undefined {
  if (!r.accuracy?.length) return undefined;
  const values = r.accuracy.map((a) => {
    const top1 = +(100 * a.top1).toFixed(2);
    const change = a.variant === 'float' ? undefined : changeVsFloat(r, a.top1);
    return { label: variantLabel(a), variant: a.variant, top1, text: `${top1.toFixed(2)}${change ? ` (${change})` : ''}` };
  });
  return chart('accuracy', 'Top-1 accuracy on the test set (axis from zero; change vs float in brackets)', {
    title: { text: 'Top-1 accuracy (%)', subtitle: 'axis from 0; (change vs float)' },
    ...fitWidth,
    height: rowsHeight(values.length, 26),
    data: { values },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: null },
          x: { field: 'top1', type: 'quantitative', title: 'top-1 %', scale: { domain: [0, 100], clamp: true } },
          color: { field: 'variant', type: 'nominal', scale: { domain: ['float', 'ptq', 'qat'], range: ['#8c8c8c', '#e45756', '#4c78a8'] }, legend: null },
        },
      },
      // The figure inside a long bar (from its start, so a bar near 100 % keeps it on the chart), after a short one.
      { transform: [{ filter: 'datum.top1 >= 55' }], mark: { type: 'text', align: 'left', dx: 4, color: 'white', fontSize: 10 }, encoding: { y: { field: 'label', type: 'nominal', sort: null }, x: { datum: 0, type: 'quantitative' }, text: { field: 'text', type: 'nominal' } } },
      { transform: [{ filter: 'datum.top1 < 55' }], mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { y: { field: 'label', type: 'nominal', sort: null }, x: { field: 'top1', type: 'quantitative' }, text: { field: 'text', type: 'nominal' } } },
    ],
  });
}

function weightRanges(r: EdgeqResults): ChartSpec | undefined {
  if (!r.weightRanges?.length) return undefined;
  const layers = [...new Set(r.weightRanges.map((w) => w.layer))];
  return chart('weight-ranges', 'Per-channel weight ranges per layer: one per-tensor scale must cover the widest channel, so narrow channels then get few int8 levels', {
    title: { text: 'Weight range per channel', fontSize: 12 },
    data: { values: r.weightRanges },
    facet: { field: 'layer', type: 'nominal', sort: layers, title: null, header: { labelFontSize: 11 } },
    columns: 2,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 80,
      height: 70,
      mark: { type: 'bar', color: '#4c78a8', width: { band: 0.8 } },
      encoding: {
        x: { field: 'channel', type: 'ordinal', axis: { labels: false, ticks: false, title: 'channel' } },
        y: { field: 'min', type: 'quantitative', title: 'weight' },
        y2: { field: 'max' },
      },
    },
  });
}

/** One horizontal bar per layer in graph order; `x` encodes the value(s) of each layer. */
function perLayerBars(rows: readonly { layer: string }[], color: string, x: { x: object; x2?: object; tooltip?: object[] }) {
  return {
    ...fitWidth,
    height: rowsHeight(new Set(rows.map((row) => row.layer)).size, 18),
    data: { values: rows as object[] },
    mark: { type: 'bar' as const, color },
    encoding: { y: { field: 'layer', type: 'nominal' as const, sort: null, title: null }, ...x },
  };
}

function activationRanges(r: EdgeqResults): ChartSpec | undefined {
  if (!r.activationRanges?.length) return undefined;
  return chart('activation-ranges', 'Activation ranges per layer', {
    title: 'Output range of each layer (real units)',
    ...perLayerBars(r.activationRanges, '#72b7b2', {
      x: { field: 'min', type: 'quantitative', title: 'value' },
      x2: { field: 'max' },
      tooltip: [{ field: 'layer' }, { field: 'min' }, { field: 'max' }, { field: 'source' }],
    }),
  } as OwnSpec);
}

function layerError(r: EdgeqResults): ChartSpec | undefined {
  if (!r.layerError?.length) return undefined;
  const useSqnr = r.layerError.every((e) => e.sqnrDb !== undefined);
  const { variant, samples, data } = r.layerError[0];
  const what = [variant, data ?? (samples === undefined ? undefined : `${samples.toLocaleString('en-US')} images`)].filter((x) => x !== undefined);
  return chart('layer-error', `Per-layer error, float vs int8${what.length ? ` (${what.join(', ')})` : ''}`, {
    title: { text: useSqnr ? 'SQNR of each layer, int8 vs float (dB)' : 'RMSE of each layer, int8 vs float', subtitle: useSqnr ? 'higher is better' : 'lower is better' },
    ...perLayerBars(r.layerError, '#f58518', { x: { field: useSqnr ? 'sqnrDb' : 'rmse', type: 'quantitative', title: useSqnr ? 'SQNR (dB)' : 'RMSE' } }),
  } as OwnSpec);
}

function confusion(r: EdgeqResults): ChartSpec | undefined {
  const c = r.confusion;
  if (!c) return undefined;
  const values = c.matrix.flatMap((row, t) => row.map((n, p) => ({ truth: c.labels[t], predicted: c.labels[p], n })));
  return chart('confusion', `Confusion matrix (${c.variant})`, {
    title: { text: 'Confusion matrix', subtitle: c.variant },
    width: 190,
    height: 190,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: c.labels, title: 'predicted' },
      y: { field: 'truth', type: 'nominal', sort: c.labels, title: 'true label' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'n', type: 'quantitative', scale: { scheme: 'blues', type: 'sqrt' }, title: 'images', legend: { orient: 'bottom', direction: 'horizontal', gradientLength: 160 } } } },
      { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'n', type: 'quantitative' }, color: { condition: { test: `datum.n > ${Math.max(...values.map((v) => v.n)) / 2}`, value: 'white' }, value: 'black' } } },
    ],
  });
}

/** The parts of flash and RAM: the model's (constants, arena) and the rest (code, stack, harness). */
export const MEMORY_PARTS = ['model constants', 'code + harness', 'model arena', 'stack + harness'] as const;

/** Flash and RAM of each built target split into the model's part and the rest. */
export function memoryParts(c: { flashBytes?: number; ramBytes?: number; arenaBytes: number; constBytes: number }): { part: (typeof MEMORY_PARTS)[number]; memory: 'flash' | 'RAM'; bytes: number }[] {
  if (c.flashBytes === undefined || c.ramBytes === undefined) return [];
  return [
    { part: MEMORY_PARTS[0], memory: 'flash', bytes: Math.min(c.constBytes, c.flashBytes) },
    { part: MEMORY_PARTS[1], memory: 'flash', bytes: Math.max(0, c.flashBytes - c.constBytes) },
    { part: MEMORY_PARTS[2], memory: 'RAM', bytes: Math.min(c.arenaBytes, c.ramBytes) },
    { part: MEMORY_PARTS[3], memory: 'RAM', bytes: Math.max(0, c.ramBytes - c.arenaBytes) },
  ];
}

function memory(r: EdgeqResults): ChartSpec | undefined {
  if (!r.costs?.length) return undefined;
  // Built targets show flash and RAM, each split into the model's part and the rest; without
  // any, the generated model's constants and arena.
  const built = r.costs.filter((c) => c.flashBytes !== undefined && c.ramBytes !== undefined);
  const values = built.length
    ? built.flatMap((c) => memoryParts(c).map((p) => ({ row: `${c.target} ${p.memory}`, what: p.part, order: MEMORY_PARTS.indexOf(p.part), kib: p.bytes / 1024 })))
    : r.costs.flatMap((c) => [{ row: c.target, what: 'model constants', order: 0, kib: c.constBytes / 1024 }, { row: c.target, what: 'model arena', order: 2, kib: c.arenaBytes / 1024 }]);
  const domain = built.length ? [...MEMORY_PARTS] : ['model constants', 'model arena'];
  return chart('memory', built.length ? 'Flash and RAM per target: the model\'s part and the rest (code, stack, test harness)' : 'The model\'s constants and arena', {
    title: { text: built.length ? 'Flash and RAM per target (KiB)' : 'Model constants and arena (KiB)', subtitle: built.length ? 'dark: the model; light: code, stack and test harness' : 'no target was built' },
    ...fitWidth,
    height: rowsHeight(new Set(values.map((v) => v.row)).size * (built.length ? 1 : 2), 16),
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'row', type: 'nominal', sort: null, title: null },
      ...(built.length ? {} : { yOffset: { field: 'what', type: 'nominal' } }),
      x: { field: 'kib', type: 'quantitative', title: 'KiB', stack: built.length ? 'zero' : null },
      color: { field: 'what', type: 'nominal', scale: { domain, range: ['#2f5f8a', '#a6c8e8', '#b5561f', '#f4bd94'] }, legend: bottomLegend },
      order: { field: 'order', type: 'quantitative', sort: 'ascending' },
      tooltip: [{ field: 'row' }, { field: 'what' }, { field: 'kib', format: '.1f' }],
    },
  });
}

function instructions(r: EdgeqResults): ChartSpec | undefined {
  const rows = r.costs?.filter((c) => c.instructions !== undefined) ?? [];
  if (!rows.length) return undefined;
  return chart('instructions', 'Executed instructions per inference (QEMU -icount: instructions, not cycles)', {
    title: { text: 'Instructions per inference', subtitle: 'executed instructions under QEMU, not cycles' },
    ...fitWidth,
    height: rowsHeight(rows.length, 22),
    data: { values: rows.map((c) => ({ target: c.target, instructions: c.instructions })) },
    mark: { type: 'bar', color: '#54a24b' },
    encoding: { y: { field: 'target', type: 'nominal', sort: null, title: null }, x: { field: 'instructions', type: 'quantitative', title: 'instructions', axis: { format: '~s' } } },
  });
}

function training(r: EdgeqResults): ChartSpec | undefined {
  if (!r.training?.length) return undefined;
  return chart('training', 'Training loss per epoch (float, fine-tune, QAT)', {
    title: { text: 'Mean training loss per epoch', subtitle: 'QAT continues from the float weights' },
    ...fitWidth,
    height: 160,
    data: { values: r.training },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: true } },
      color: { field: 'stage', type: 'nominal', scale: { domain: ['float', 'fine-tune', 'qat'], range: ['#8c8c8c', '#e45756', '#4c78a8'] }, legend: { orient: 'bottom', title: null } },
    },
  });
}

/** Every chart the results support, in report order. */
export function buildCharts(r: EdgeqResults): ChartSpec[] {
  return [accuracy, training, weightRanges, activationRanges, layerError, confusion, memory, instructions].map((f) => f(r)).filter((c): c is ChartSpec => !!c);
}
