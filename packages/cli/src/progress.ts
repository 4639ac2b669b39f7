/**
 * Progress for long work (calibration, training epochs, evaluation, parity runs), on stderr
 * so stdout stays clean for results and `--json`. On a terminal: bars with an ETA
 * (cli-progress), training bars with the epoch and its loss. Without a terminal (logs, CI):
 * one line per training epoch (loss, elapsed time) and one line when other long work ends.
 * Hidden under `--json` or `--quiet` and with EDGEQ_PROGRESS=0; EDGEQ_PROGRESS=1 forces the
 * bars (plain redrawn lines).
 */

import cliProgress from 'cli-progress';

/** One running bar; `tick(n)` advances it. */
export interface ProgressTask {
  tick(n?: number): void;
  /** Update the trailing detail text (e.g. "loss 0.41"). */
  detail(text: string): void;
}

export interface ProgressOptions {
  /** Hide the bar (e.g. under --json or --quiet). */
  silent?: boolean;
}

const active = new Set<cliProgress.SingleBar>();

/** Stop every running bar (used before exiting on Ctrl-C, so the terminal is left tidy). */
export function stopAllProgress(): void {
  for (const b of active) b.stop();
  active.clear();
}

/** Whether bars should be drawn for the current process. */
export function progressEnabled(opts: ProgressOptions = {}): boolean {
  if (opts.silent) return false;
  return process.env.EDGEQ_PROGRESS === '1' || (!!process.stderr.isTTY && process.env.EDGEQ_PROGRESS !== '0');
}

/** Whether plain progress lines (no terminal, not silenced) should be written instead of bars. */
export function progressLinesEnabled(opts: ProgressOptions = {}): boolean {
  if (opts.silent || process.env.EDGEQ_PROGRESS === '0' || process.env.EDGEQ_PROGRESS === '1') return false;
  return !process.stderr.isTTY;
}

/** Whole seconds since `t0` (a performance.now() time), as "12 s". */
const since = (t0: number) => `${Math.round((performance.now() - t0) / 1000)} s`;

/** Long work without a terminal: one line when it ends (if it took a second or more). */
async function withProgressLine<T>(label: string, total: number, work: (task: ProgressTask) => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  let done = 0;
  const r = await work({ tick: (n = 1) => void (done += n), detail: () => {} });
  if (performance.now() - t0 >= 1000) process.stderr.write(`${label}: ${Math.min(done, total)}/${total} in ${since(t0)}\n`);
  return r;
}

/**
 * Run `work` with a progress bar of `total` steps labelled `label`.
 * The bar is stopped whether `work` succeeds or throws.
 */
export async function withProgress<T>(label: string, total: number, opts: ProgressOptions, work: (task: ProgressTask) => Promise<T> | T): Promise<T> {
  if (progressLinesEnabled(opts) && total > 0) return withProgressLine(label, total, work);
  if (!progressEnabled(opts) || total <= 0) return work({ tick: () => {}, detail: () => {} });
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(12)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {detail}`,
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 2000,
      etaBuffer: 50,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  active.add(bar);
  bar.start(total, 0, { detail: '' });
  try {
    return await work({ tick: (n = 1) => bar.increment(n), detail: (text) => bar.update({ detail: text }) });
  } finally {
    bar.stop();
    active.delete(bar);
  }
}

/** The figures of one finished training epoch. */
export interface EpochFigures {
  /** Epoch number over the whole run, 1-based. */
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** Held-out accuracy after the epoch, where the task has one and it was measured. */
  accuracy?: number;
}

/** A training stage as the progress display needs it. */
export interface TrainingPlan {
  label: string;
  epochs: number;
  stepsPerEpoch: number;
  /** Run-wide number of this stage's first epoch (1-based; default 1). */
  firstEpoch?: number;
}

/** Training's progress callback: steps done of total, and the current epoch's mean loss so far. */
export type TrainingProgressFn = (done: number, total: number, epochLoss?: number) => void;

/** "epoch 3/5 · loss 0.4123 · accuracy 85.10%" for the bar and the log line. */
export function epochText(plan: TrainingPlan, figures: { epoch: number; loss?: number; accuracy?: number }): string {
  const first = plan.firstEpoch ?? 1;
  const parts = [`epoch ${figures.epoch - first + 1}/${plan.epochs}`];
  if (figures.loss !== undefined && Number.isFinite(figures.loss)) parts.push(`loss ${figures.loss.toFixed(4)}`);
  if (figures.accuracy !== undefined) parts.push(`accuracy ${(100 * figures.accuracy).toFixed(2)}%`);
  return parts.join(' · ');
}

/**
 * Run a training stage: on a terminal a bar showing the epoch and its running loss; without
 * one, a line per finished epoch on stderr. `work` passes the callback to @edgeq/qat's
 * `onProgress`. Returns work's result and each finished epoch's mean loss.
 */
export async function withTrainingProgress<T>(plan: TrainingPlan, opts: ProgressOptions, work: (onProgress: TrainingProgressFn) => Promise<T>): Promise<{ result: T; epochs: EpochFigures[] }> {
  const first = plan.firstEpoch ?? 1;
  const epochs: EpochFigures[] = [];
  const lines = progressLinesEnabled(opts);
  const t0 = performance.now();
  const total = plan.epochs * plan.stepsPerEpoch;
  const result = await withProgress(plan.label, lines ? 0 : total, opts, (task) => {
    let last = 0;
    return work((done, _total, loss) => {
      task.tick(done - last);
      last = done;
      const epoch = first + Math.ceil(done / Math.max(1, plan.stepsPerEpoch)) - 1;
      task.detail(epochText(plan, { epoch, loss }));
      if (plan.stepsPerEpoch > 0 && done % plan.stepsPerEpoch === 0 && loss !== undefined) {
        const figures = { epoch, loss };
        epochs.push(figures);
        if (lines) process.stderr.write(`${plan.label}: ${epochText(plan, figures)} · ${since(t0)}\n`);
      }
    });
  });
  return { result, epochs };
}

/** Yield to the event loop so bars redraw and signals are handled during CPU-bound loops. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
