// Worker entry when @edgeq/qat runs from its TypeScript sources (tests, tsx): registers
// tsx's ESM loader in the worker thread (execArgv loaders do not reach workers on Node 20),
// then runs the TypeScript worker body. The built package starts train-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./train-worker.ts');
