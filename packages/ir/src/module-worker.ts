/**
 * Starting a worker thread on a module of an @edgeq package, from the TypeScript sources
 * (tests, tsx) as from the built dist: the built package starts `<stem>.js` directly; the
 * sources start ts-worker-entry.mjs, which registers tsx's loader inside the worker (a
 * loader given to the main thread does not reach workers on Node 20) and then imports
 * `<stem>.ts`. Used by batch simulation (simulate-batch.ts) and data-parallel training
 * (@edgeq/qat train-workers.ts).
 */

import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start a worker thread running the module `stem` (e.g. `./simulate-worker`, no
 * extension) that sits next to the calling module.
 * @param callerUrl the caller's `import.meta.url`: its extension says whether the sources
 *   (.ts) or the built package (.js) run
 * @param options passed to the Worker (`argv` is taken by the source-tree entry)
 */
export function startModuleWorker(callerUrl: string, stem: string, options: WorkerOptions = {}): Worker {
  const fromSources = new URL(callerUrl).pathname.endsWith('.ts');
  const target = new URL(`${stem}${fromSources ? '.ts' : '.js'}`, callerUrl);
  if (!fromSources) return new Worker(target, options);
  return new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), { ...options, argv: [target.href] });
}
