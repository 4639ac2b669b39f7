// Worker entry when an @edgeq package runs from its TypeScript sources (tests, tsx):
// registers tsx's ESM loader in the worker thread (execArgv loaders do not reach workers on
// Node 20), then runs the TypeScript module whose URL module-worker.ts put in argv[2].
// The built packages start their worker modules (.js) directly and never load this file.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
