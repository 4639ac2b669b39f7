/**
 * The results document (`edgeq.results/1`): everything a run measured, filled in by the
 * demo pipeline (examples/fashion-mnist), by any CLI command given `--results FILE`
 * (results-file.ts merges each command's part into one document) or by any script, and
 * turned into the HTML report by `edgeq report`. Every section but `model` is optional:
 * what a run did not measure is shown as "not measured" with the reason given in
 * `missing`, never invented.
 */

import { z } from 'zod';

/** Schema id written in every results document. */
export const RESULTS_SCHEMA = 'edgeq.results/1';

const count = z.number().int().nonnegative();
const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** float = the float reference; ptq = post-training quantised; qat = quantisation-aware trained. */
export const VARIANTS = ['float', 'ptq', 'qat'] as const;
const variant = z.enum(VARIANTS);
/** Weight width of an int8 variant: 4 when its conv/dense layers hold int4 weights (W4A8, some may stay at 8 bits); absent: 8. */
const weightBits = z.union([z.literal(4), z.literal(8)]).optional();

/** What a model is trained for (the task decides the loss and the metrics). */
export const TASKS = ['classification', 'binary', 'regression', 'autoencoder', 'anomaly-detection'] as const;

/** One accuracy figure: a model variant evaluated on the test set. */
export const AccuracyRow = z.strictObject({
  variant,
  /** Scale mode of the int8 model (null for float). */
  scales: z.enum(['fixed', 'pow2']).nullable(),
  /** Weight granularity of the int8 model (null for float). */
  granularity: z.enum(['per-channel', 'per-tensor']).nullable().optional(),
  weightBits,
  /** Top-1 accuracy in [0, 1]. */
  top1: z.number().min(0).max(1),
  correct: count,
  total: count,
  /** What computed it, e.g. "int8 interpreter" or "tfjs (float32)". */
  evaluatedBy: z.string(),
});

/**
 * One figure of a task metric, for any task: top-1 for classification, MSE for regression
 * and autoencoders, ROC-AUC for anomaly detection, the int8-vs-float agreement, … Float and
 * int8 figures of the same metric on the same data are shown side by side.
 */
export const MetricRow = z.strictObject({
  variant,
  scales: z.enum(['fixed', 'pow2']).nullable(),
  granularity: z.enum(['per-channel', 'per-tensor']).nullable().optional(),
  weightBits,
  task: z.enum(TASKS),
  /** The metric's name as printed, e.g. "top-1", "mse", "roc-auc", "agreement with float". */
  metric: z.string().min(1),
  value: finite,
  /** Whether a larger value is better (top-1, AUC: true; MSE: false). */
  higherIsBetter: z.boolean(),
  /** Samples the figure is computed on. */
  samples: count,
  /** Which data, e.g. "test-x.npy" or "10% validation split". */
  data: z.string().optional(),
  /** What computed it, e.g. "int8 interpreter" or "tfjs (float32)". */
  evaluatedBy: z.string(),
});

/** What one model variant is: how it was made (shown so a reader knows what is compared). */
export const VariantNote = z.strictObject({
  variant,
  scales: z.enum(['fixed', 'pow2']).nullable(),
  granularity: z.enum(['per-channel', 'per-tensor']).nullable().optional(),
  weightBits,
  /** e.g. "float training: 5 epochs at lr 0.001, then 1 fine-tune epoch at 0.0001, on 60,000 images". */
  description: z.string(),
  /** Training epochs this variant has seen in total (float + fine-tune + QAT), when trained. */
  epochs: count.optional(),
  /** The graph file of an int8 variant, when one was written. */
  graph: z.string().optional(),
});

/** Mean training loss of one epoch (for the loss curve and to tell the training story). */
export const TrainingEpoch = z.strictObject({
  /** float = float training and fine-tune epochs; qat = fake-quant epochs. */
  stage: z.enum(['float', 'fine-tune', 'qat']),
  /** Epoch number counted over the whole run (1-based). */
  epoch: z.number().int().positive(),
  loss: finite,
  /** Accuracy on held-out data after the epoch, where the task has one. */
  accuracy: z.number().min(0).max(1).optional(),
});

/** One command that wrote into the document (the session log). */
export const RunEntry = z.strictObject({
  command: z.string(),
  /** The command line as given (arguments after `edgeq`). */
  argv: z.array(z.string()),
  /** ISO time it finished. */
  at: z.string(),
  /** The sections it wrote. */
  sections: z.array(z.string()),
});

/** Real-valued weight range of one output channel of one layer. */
export const WeightRange = z.strictObject({ layer: z.string(), channel: count, min: finite, max: finite });

/** Real-valued output range of one layer. */
export const ActivationRange = z.strictObject({
  layer: z.string(),
  min: finite,
  max: finite,
  /** observed over data, or the range the int8 quantisation can represent. */
  source: z.enum(['observed', 'quantization']),
});

/** Error of one layer's int8 output (dequantised) against the float model's. */
export const LayerError = z.strictObject({
  layer: z.string(),
  /** Root-mean-square error in real units. */
  rmse: z.number().nonnegative(),
  /** Signal-to-quantisation-noise ratio in dB (higher is better). */
  sqnrDb: finite.optional(),
  /** Which int8 variant was compared with the float model, e.g. "QAT · fixed". */
  variant: z.string().optional(),
  /** Samples the error is computed on. */
  samples: count.optional(),
  /** Which data, e.g. "100 Fashion-MNIST test images". */
  data: z.string().optional(),
});

/** A confusion matrix: matrix[true label][prediction]. */
export const Confusion = z.strictObject({ variant: z.string(), labels: z.array(z.string()).min(1), matrix: z.array(z.array(count)) });

/** A parity verdict on one target. */
export const ParityRow = z.strictObject({
  target: z.string(),
  /** How it ran: "gcc", "qemu mps2-an386", … */
  runner: z.string(),
  vectors: count,
  exactVectors: count,
  maxAbsDiff: count,
  /** The one-line verdict, e.g. "parity: 10000/10000 bit-exact on cortex-m4 (qemu)". */
  line: z.string(),
  /** Which model variant ran, e.g. "QAT · fixed (out/qat.qgraph.json)". */
  variant: z.string().optional(),
  /** Where the vectors came from, e.g. "1,000 Fashion-MNIST test images". */
  vectorsFrom: z.string().optional(),
});

/** What the firmware costs on one target. */
export const CostRow = z.strictObject({
  target: z.string(),
  /** Flash: code + constants (bytes), when the target was built. */
  flashBytes: count.optional(),
  /** RAM: static data + bss (with the arena) + stack (bytes), when the target was built. */
  ramBytes: count.optional(),
  /** Static activation arena (bytes). */
  arenaBytes: count,
  /** Constant data: weights, biases, requantisation parameters (bytes). */
  constBytes: count,
  /** Executed instructions per inference (emulated cores), when measured. */
  instructions: count.optional(),
  /** Host time per inference in microseconds, when measured. */
  microseconds: z.number().nonnegative().optional(),
  /** Which model variant was measured, e.g. "QAT · fixed". */
  variant: z.string().optional(),
});

/** Sections a results document may hold. */
export const SECTIONS = ['accuracy', 'metrics', 'variants', 'training', 'weightRanges', 'activationRanges', 'layerError', 'confusion', 'parity', 'costs'] as const;
export type Section = (typeof SECTIONS)[number];

/** The whole results document. */
export const Results = z.strictObject({
  schema: z.literal(RESULTS_SCHEMA),
  title: z.string(),
  /** ISO timestamp of the run. */
  createdAt: z.string().optional(),
  model: z.strictObject({
    name: z.string(),
    dataset: z.string(),
    /** Free text about the run (settings, what was skipped). */
    notes: z.string().optional(),
    /** What the model is trained for. */
    task: z.enum(TASKS).optional(),
  }),
  /** Settings of the run (epochs, images, …), shown as a table. */
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  accuracy: z.array(AccuracyRow).optional(),
  metrics: z.array(MetricRow).optional(),
  variants: z.array(VariantNote).optional(),
  training: z.array(TrainingEpoch).optional(),
  weightRanges: z.array(WeightRange).optional(),
  activationRanges: z.array(ActivationRange).optional(),
  layerError: z.array(LayerError).optional(),
  confusion: Confusion.optional(),
  parity: z.array(ParityRow).optional(),
  costs: z.array(CostRow).optional(),
  /** Why a section is absent, by section name. */
  missing: z.partialRecord(z.enum(SECTIONS), z.string()).optional(),
  /** The commands that wrote this document (`--results`), oldest first. */
  runs: z.array(RunEntry).optional(),
});

/** A results document (TypeScript type of {@link Results}). */
export type EdgeqResults = z.infer<typeof Results>;
export type AccuracyEntry = z.infer<typeof AccuracyRow>;
export type MetricEntry = z.infer<typeof MetricRow>;
export type VariantEntry = z.infer<typeof VariantNote>;
export type TrainingEntry = z.infer<typeof TrainingEpoch>;
export type RunLogEntry = z.infer<typeof RunEntry>;
export type Task = (typeof TASKS)[number];
export type WeightRangeEntry = z.infer<typeof WeightRange>;
export type ActivationRangeEntry = z.infer<typeof ActivationRange>;
export type LayerErrorEntry = z.infer<typeof LayerError>;
export type ParityEntry = z.infer<typeof ParityRow>;
export type CostEntry = z.infer<typeof CostRow>;

/**
 * Validate a parsed results document. Throws an Error whose message names the field at
 * fault (e.g. `accuracy[2].top1: Too big: expected number to be <=1`).
 */
export function parseResults(doc: unknown, source = 'results'): EdgeqResults {
  const r = Results.safeParse(doc);
  if (r.success) {
    const c = r.data.confusion;
    if (c && (c.matrix.length !== c.labels.length || c.matrix.some((row) => row.length !== c.labels.length))) {
      throw new Error(`${source}: confusion.matrix: expected ${c.labels.length}×${c.labels.length} (one row and column per label)`);
    }
    return r.data;
  }
  const issue = r.error.issues[0];
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  throw new Error(`${source}: ${where || '(document)'}: ${issue.message}`);
}
