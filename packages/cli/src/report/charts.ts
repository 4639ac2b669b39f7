/**
 * The report's charts as vega-lite specifications, one builder per results section. Each
 * returns undefined when its section has no data, so the report shows "not measured"
 * instead of an empty plot. Layer order is kept as in the graph (sort: null).
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
const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 14, anchor: 'start' as const } },
};

/** "PTQ · fixed" style label of an accuracy row. */
export function variantLabel(r: { variant: string; scales: string | null; granularity?: string | null }): string {
  const v = r.variant === 'float' ? 'Float' : r.variant.toUpperCase();
  if (r.scales === null) return v;
  return `${v} · ${r.scales}${r.granularity === 'per-tensor' ? ' · per-tensor' : ''}`;
}

function accuracy(r: EdgeqResults): ChartSpec | undefined {
  if (!r.accuracy?.length) return undefined;
  const values = r.accuracy.map((a) => ({ label: variantLabel(a), variant: a.variant, top1: +(100 * a.top1).toFixed(2) }));
  const lo = Math.max(0, Math.floor(Math.min(...values.map((v) => v.top1)) / 10) * 10 - 10);
  return {
    id: 'accuracy',
    title: 'Top-1 accuracy on the test set',
    spec: {
      ...base,
      title: 'Top-1 accuracy (%)',
      width: 420,
      height: 220,
      data: { values },
      layer: [
        {
          mark: { type: 'bar', cornerRadiusEnd: 2 },
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null, title: null },
            x: { field: 'top1', type: 'quantitative', title: 'top-1 %', scale: { domain: [lo, 100], clamp: true } },
            color: { field: 'variant', type: 'nominal', scale: { domain: ['float', 'ptq', 'qat'], range: ['#8c8c8c', '#e45756', '#4c78a8'] }, legend: null },
          },
        },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y: { field: 'label', type: 'nominal', sort: null }, x: { field: 'top1', type: 'quantitative' }, text: { field: 'top1', type: 'quantitative', format: '.2f' } } },
      ],
    },
  };
}

function weightRanges(r: EdgeqResults): ChartSpec | undefined {
  if (!r.weightRanges?.length) return undefined;
  const layers = [...new Set(r.weightRanges.map((w) => w.layer))];
  return {
    id: 'weight-ranges',
    title: 'Per-channel weight ranges per layer',
    spec: {
      ...base,
      title: { text: 'Weight range of each output channel', subtitle: 'one shared per-tensor scale must cover the widest channel; narrow channels then get few int8 levels' },
      data: { values: r.weightRanges },
      facet: { field: 'layer', type: 'nominal', sort: layers, title: null, header: { labelFontSize: 11 } },
      columns: 4,
      resolve: { scale: { x: 'independent', y: 'independent' } },
      spec: {
        width: 170,
        height: 90,
        mark: { type: 'bar', color: '#4c78a8', width: { band: 0.8 } },
        encoding: {
          x: { field: 'channel', type: 'ordinal', axis: { labels: false, ticks: false, title: 'channel' } },
          y: { field: 'min', type: 'quantitative', title: 'weight' },
          y2: { field: 'max' },
        },
      },
    },
  };
}

function activationRanges(r: EdgeqResults): ChartSpec | undefined {
  if (!r.activationRanges?.length) return undefined;
  return {
    id: 'activation-ranges',
    title: 'Activation ranges per layer',
    spec: {
      ...base,
      title: 'Output range of each layer (real units)',
      width: 460,
      height: { step: 18 },
      data: { values: r.activationRanges },
      mark: { type: 'bar', color: '#72b7b2' },
      encoding: {
        y: { field: 'layer', type: 'nominal', sort: null, title: null },
        x: { field: 'min', type: 'quantitative', title: 'value' },
        x2: { field: 'max' },
        tooltip: [{ field: 'layer' }, { field: 'min' }, { field: 'max' }, { field: 'source' }],
      },
    },
  };
}

function layerError(r: EdgeqResults): ChartSpec | undefined {
  if (!r.layerError?.length) return undefined;
  const useSqnr = r.layerError.every((e) => e.sqnrDb !== undefined);
  return {
    id: 'layer-error',
    title: 'Per-layer error, float vs int8',
    spec: {
      ...base,
      title: useSqnr ? 'SQNR of each layer, int8 vs float (dB, higher is better)' : 'RMSE of each layer, int8 vs float',
      width: 460,
      height: { step: 18 },
      data: { values: r.layerError },
      mark: { type: 'bar', color: '#f58518' },
      encoding: {
        y: { field: 'layer', type: 'nominal', sort: null, title: null },
        x: { field: useSqnr ? 'sqnrDb' : 'rmse', type: 'quantitative', title: useSqnr ? 'SQNR (dB)' : 'RMSE' },
      },
    },
  };
}

function confusion(r: EdgeqResults): ChartSpec | undefined {
  const c = r.confusion;
  if (!c) return undefined;
  const values = c.matrix.flatMap((row, t) => row.map((n, p) => ({ truth: c.labels[t], predicted: c.labels[p], n })));
  return {
    id: 'confusion',
    title: `Confusion matrix (${c.variant})`,
    spec: {
      ...base,
      title: `Confusion matrix — ${c.variant}`,
      width: 360,
      height: 360,
      data: { values },
      encoding: {
        x: { field: 'predicted', type: 'nominal', sort: c.labels, title: 'predicted' },
        y: { field: 'truth', type: 'nominal', sort: c.labels, title: 'true label' },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'n', type: 'quantitative', scale: { scheme: 'blues', type: 'sqrt' }, title: 'images' } } },
        { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'n', type: 'quantitative' }, color: { condition: { test: `datum.n > ${Math.max(...values.map((v) => v.n)) / 2}`, value: 'white' }, value: 'black' } } },
      ],
    },
  };
}

function memory(r: EdgeqResults): ChartSpec | undefined {
  if (!r.costs?.length) return undefined;
  // Built targets show flash and RAM; without any, the generated model's constants and arena.
  const built = r.costs.filter((c) => c.flashBytes !== undefined && c.ramBytes !== undefined);
  const values = built.length
    ? built.flatMap((c) => [{ target: c.target, what: 'flash', kib: c.flashBytes! / 1024 }, { target: c.target, what: 'RAM', kib: c.ramBytes! / 1024 }])
    : r.costs.flatMap((c) => [{ target: c.target, what: 'constants', kib: c.constBytes / 1024 }, { target: c.target, what: 'arena', kib: c.arenaBytes / 1024 }]);
  return {
    id: 'memory',
    title: built.length ? 'Flash and RAM per target' : 'Constant and arena bytes',
    spec: {
      ...base,
      title: built.length ? 'Flash and RAM per target (KiB)' : 'Constants and arena (KiB)',
      width: 420,
      height: { step: 14 },
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'target', type: 'nominal', sort: null, title: null },
        yOffset: { field: 'what', type: 'nominal' },
        x: { field: 'kib', type: 'quantitative', title: 'KiB' },
        color: { field: 'what', type: 'nominal', legend: { title: null } },
      },
    },
  };
}

function instructions(r: EdgeqResults): ChartSpec | undefined {
  const rows = r.costs?.filter((c) => c.instructions !== undefined) ?? [];
  if (!rows.length) return undefined;
  return {
    id: 'instructions',
    title: 'Instructions per inference',
    spec: {
      ...base,
      title: 'Executed instructions per inference',
      width: 420,
      height: { step: 22 },
      data: { values: rows.map((c) => ({ target: c.target, instructions: c.instructions })) },
      mark: { type: 'bar', color: '#54a24b' },
      encoding: { y: { field: 'target', type: 'nominal', sort: null, title: null }, x: { field: 'instructions', type: 'quantitative', title: 'instructions', axis: { format: '~s' } } },
    },
  };
}

/** Every chart the results support, in report order. */
export function buildCharts(r: EdgeqResults): ChartSpec[] {
  return [accuracy, weightRanges, activationRanges, layerError, confusion, memory, instructions].map((f) => f(r)).filter((c): c is ChartSpec => !!c);
}
