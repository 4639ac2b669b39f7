/**
 * Progress bars with ETA (cli-progress) for long work: calibration, training epochs,
 * evaluation and parity runs. Bars go to stderr so stdout stays clean for results and
 * `--json`; they are shown on a terminal, hidden under `--json` or `--quiet`, and forced
 * on (plain redrawn lines) with EDGEQ_PROGRESS=1 for logs.
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

/**
 * Run `work` with a progress bar of `total` steps labelled `label`.
 * The bar is stopped whether `work` succeeds or throws.
 */
export async function withProgress<T>(label: string, total: number, opts: ProgressOptions, work: (task: ProgressTask) => Promise<T> | T): Promise<T> {
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

/** Yield to the event loop so bars redraw and signals are handled during CPU-bound loops. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
