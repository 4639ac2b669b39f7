#!/usr/bin/env node
// The `edgeq` executable: registers tsx's ESM loader so the TypeScript sources run
// directly (no build step), then hands over to src/main.ts.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
