/**
 * Judging a model on held-out data for `train`, `ptq`, `qat` and `freeze`: the float
 * model's figure (what quantisation starts from) and the int8 graph's (integer
 * interpreter, what the firmware computes) side by side, with how closely int8 follows
 * float. Returns plain typed objects for `--json` and the results document, and the
 * lines that print them.
 */

import type { QGraph } from '@edgeq/ir';
import type { QatApi, QatModel } from './components.js';
import type { Output } from './output.js';
import { withProgress } from './progress.js';

type SampleSet = import('@edgeq/qat').SampleSet;
type Task = import('@edgeq/qat').Task;
type Outputs = import('@edgeq/qat').Outputs;
export type TaskMetrics = import('@edgeq/qat').TaskMetrics;
export type AgreementMetrics = import('@edgeq/qat').AgreementMetrics;
export type LayerErrorEntry = import('@edgeq/qat').LayerErrorEntry;

/** Held-out samples the per-layer comparison runs on (the first ones). */
export const LAYER_ERROR_SAMPLES = 200;

/** A held-out set and where it came from (for messages and results). */
export interface HeldOut {
  set: SampleSet;
  /** e.g. `test.npy (200 samples)`, `the last 40 of 200 training samples (--val-split 0.2)`. */
  source: string;
  /** Given by the user (--test-data, --val-split): the int8 graph is judged on it without --evaluate. */
  explicit: boolean;
}

/** What a pipeline run measured; every field is absent when it was not measured. */
export interface PipelineMetrics {
  task: Task['kind'];
  /** The held-out data the figures are on. */
  evaluatedOn?: string;
  /** The float model the quantised one starts from. */
  float?: TaskMetrics;
  /** The int8 QGraph in the integer interpreter. */
  int8?: TaskMetrics;
  /** int8 against float on the same samples. */
  agreement?: AgreementMetrics;
  /** Per layer: the int8 graph's output against the float activation of the model it was frozen from. */
  layers?: LayerErrorEntry[];
  /** Classification and binary: the int8 confusion matrix, rows the true class, columns the prediction. */
  confusion?: number[][];
}

const silent = (out: Output) => Boolean(out.opts.json || out.opts.quiet);

function truthOf(set: SampleSet, task: Task): { labels?: Uint8Array; targets?: Float32Array } {
  if (task.kind !== 'regression') return { labels: set.labels };
  const labelled = set.classes === 2;
  return { targets: set.targets, ...(labelled ? { labels: set.labels } : {}) };
}

/** Float (or fake-quant) outputs of a model on a held-out set, with a progress bar. */
export function modelOutputsOn(q: QatApi, m: QatModel, h: HeldOut, out: Output, label: string): Promise<Outputs> {
  return withProgress(label, h.set.count, { silent: silent(out) }, (task) => {
    let last = 0;
    return q.modelOutputs(m, h.set, { onProgress: (d) => { task.tick(d - last); last = d; } });
  });
}

/** The float model's figure on the held-out set, printed as `float: …`. */
export async function floatFigure(q: QatApi, m: QatModel, task: Task, h: HeldOut, out: Output): Promise<{ metrics: TaskMetrics; outputs: Outputs }> {
  const outputs = await modelOutputsOn(q, m, h, out, 'float eval');
  const metrics = q.taskMetrics(task, outputs, truthOf(h.set, task));
  out.line(`float: ${q.formatMetrics(metrics)} on ${h.source}`);
  return { metrics, outputs };
}

/**
 * The int8 graph's figure on the held-out set, its agreement with float outputs (when
 * given) and, with the model it was frozen from, the per-layer error on the first samples.
 * `simWorkers`: worker threads of the interpreter (default: one per core when the set is long enough).
 */
export async function int8Figure(
  q: QatApi, g: QGraph, task: Task, h: HeldOut, out: Output, float?: Outputs, frozenFrom?: QatModel, simWorkers?: number,
): Promise<{ int8: TaskMetrics; agreement?: AgreementMetrics; layers?: LayerErrorEntry[]; confusion?: number[][] }> {
  const outputs = await withProgress('int8 eval', h.set.count, { silent: silent(out) }, (t) => {
    let last = 0;
    return q.int8Outputs(g, h.set, { onProgress: (d) => { t.tick(d - last); last = d; }, workers: simWorkers });
  });
  const int8 = q.taskMetrics(task, outputs, truthOf(h.set, task));
  const layers = frozenFrom ? q.layerError(frozenFrom, g, q.subset(h.set, 0, LAYER_ERROR_SAMPLES)) : undefined;
  const confusion = task.kind === 'regression' ? undefined : confusionMatrix(q.predictions(task, outputs), h.set.labels, task.kind === 'binary' ? 2 : h.set.classes);
  return { int8, ...(float ? { agreement: q.agreementMetrics(task, float, outputs) } : {}), ...(layers ? { layers } : {}), ...(confusion ? { confusion } : {}) };
}

/** Counts of (true class, predicted class) pairs; undefined without labels. */
function confusionMatrix(predicted: Int32Array, labels: ArrayLike<number>, classes: number): number[][] | undefined {
  if (classes < 2 || labels.length !== predicted.length) return undefined;
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let k = 0; k < predicted.length; k++) if (predicted[k] < classes) m[labels[k]][predicted[k]]++;
  return m;
}

/** The lines that print an int8 result next to the float one. */
export function int8Lines(q: QatApi, m: PipelineMetrics): string[] {
  if (!m.int8) return [];
  const lines = [`int8: ${q.formatMetrics(m.int8)} on ${m.evaluatedOn}`];
  if (m.float?.auc !== undefined && m.int8.auc !== undefined) lines.push(`ROC-AUC float ${m.float.auc.toFixed(4)}, int8 ${m.int8.auc.toFixed(4)} (${signed(m.int8.auc - m.float.auc)})`);
  if (m.agreement) {
    const a = m.agreement;
    const parts = [...(a.agreement !== undefined ? [`same prediction on ${(100 * a.agreement).toFixed(2)}% of samples`] : []), `output SQNR ${Number.isFinite(a.sqnrDb) ? `${a.sqnrDb.toFixed(1)} dB` : 'exact'}`];
    lines.push(`int8 vs float: ${parts.join(', ')}`);
  }
  const measured = (m.layers ?? []).filter((l) => l.sqnrDb !== undefined);
  if (measured.length) {
    const worst = measured.reduce((a, b) => (b.sqnrDb! < a.sqnrDb! ? b : a));
    lines.push(`int8 vs float per layer: lowest SQNR ${worst.sqnrDb!.toFixed(1)} dB at ${worst.layer} (${m.layers!.length} layers, each in --json)`);
  }
  return lines;
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
}
