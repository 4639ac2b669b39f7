// Ctrl-C: a command interrupted while writing its output exits 130 and leaves neither the
// output directory nor its temporary sibling behind.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/inputs/npy.js';
import { entries, scratch, spawnEdgeq } from './helpers.js';

describe('SIGINT', () => {
  it('simulate --dump-layers interrupted mid-write removes its partial output', async () => {
    const cwd = scratch('sigint');
    const n = 300;
    writeFileSync(path.join(cwd, 'x.npy'), encodeNpy(new Uint8Array(n * 784).map((_, i) => (i * 13) % 256), [n, 28, 28]));
    const child = spawnEdgeq(['simulate', 'dscnn', '--data', 'x.npy', '--dump-layers', 'layers', '--dump-count', String(n)], cwd);
    // Wait until the temporary output directory exists and holds a first sample, then interrupt.
    const deadline = Date.now() + 60_000;
    let tmp: string | undefined;
    while (Date.now() < deadline) {
      tmp = entries(cwd).find((e) => e.startsWith('.layers.edgeq-tmp-'));
      if (tmp && existsSync(path.join(cwd, tmp, 'sample1'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(tmp, 'the temporary output directory appeared').toBeDefined();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('interrupted (SIGINT); partial output removed');
    expect(entries(cwd)).toEqual(['x.npy']);
  });
});
