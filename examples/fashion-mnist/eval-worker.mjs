// Worker entry: registers tsx's ESM loader in the worker thread (execArgv loaders do not
// reach workers on Node 20), then runs the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./eval-worker.ts');
