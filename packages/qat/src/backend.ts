/**
 * Backend choice for training: @tensorflow/tfjs-node when it loads (optional, not a
 * dependency: its installer downloads libtensorflow), else the wasm backend (XNNPACK)
 * with the gradient kernels it lacks registered by edgeq (and edgeq's WebAssembly SIMD
 * training kernels when built, and a copy-free Identity), else the pure-JS cpu backend.
 * The choice is made once, at start, and reported. Data-parallel training workers
 * (train-workers.ts) each initialise the wasm backend the same way.
 */

import * as tf from '@tensorflow/tfjs';
import { registerGradientKernels } from './grad-kernels.js';
import { registerFakeQuantKernels } from './fake-quant.js';
import { registerFusedOpKernels } from './fused-ops.js';
import { registerFoldKernels } from './fold-weights.js';
import { registerSimdKernels } from './simd-kernels.js';
import { registerSharedIdentity } from './shared-identity.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What {@link initBackend} chose, and why the faster ones were skipped. */
export interface BackendReport {
  backend: BackendName;
  /** Reasons the preferred backends (or, on wasm, the SIMD training kernels) were not used. */
  skipped: string[];
  /** On wasm: whether edgeq's WebAssembly SIMD training kernels are loaded. */
  simdKernels: boolean;
}

let current: BackendReport | undefined;

async function tryNode(): Promise<string | undefined> {
  const name = '@tensorflow/tfjs-node';
  try {
    await import(/* @vite-ignore */ name);
    return undefined;
  } catch (e) {
    return `${name}: ${(e as Error).message.split('\n')[0]}`;
  }
}

/**
 * Choose and initialise the training backend (idempotent).
 * @param prefer force one backend ('wasm' in tests and benches for reproducible figures)
 */
export async function initBackend(prefer?: BackendName): Promise<BackendReport> {
  if (current && (!prefer || prefer === current.backend)) return current;
  const skipped: string[] = [];
  const order: BackendName[] = prefer ? [prefer] : ['tensorflow', 'wasm', 'cpu'];
  for (const b of order) {
    if (b === 'tensorflow') {
      const why = await tryNode();
      if (why) {
        skipped.push(why);
        continue;
      }
    }
    if (b === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      registerGradientKernels('wasm');
      registerSharedIdentity();
    }
    registerFakeQuantKernels();
    registerFusedOpKernels();
    registerFoldKernels();
    try {
      if (!(await tf.setBackend(b))) throw new Error('setBackend returned false');
      await tf.ready();
    } catch (e) {
      skipped.push(`${b}: ${(e as Error).message}`);
      continue;
    }
    let simdKernels = false;
    if (b === 'wasm') {
      const why = registerSimdKernels();
      if (why) skipped.push(why);
      simdKernels = !why;
    }
    current = { backend: b, skipped, simdKernels };
    return current;
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${skipped.join('; ')}`);
}

/** The backend chosen by {@link initBackend}, if any. */
export function currentBackend(): BackendReport | undefined {
  return current;
}

/**
 * One line for users: the backend, and on wasm whether edgeq's SIMD training kernels run;
 * with `workers`, what training runs on: "2 workers × wasm + edgeq SIMD training kernels".
 */
export function describeBackend(report: BackendReport, workers?: number): string {
  const backend = report.backend !== 'wasm' ? report.backend
    : report.simdKernels ? 'wasm + edgeq SIMD training kernels' : 'wasm (edgeq SIMD training kernels not loaded: slower)';
  return workers === undefined ? backend : `${workers} worker${workers === 1 ? '' : 's'} × ${backend}`;
}
