// Ctrl-C: a command interrupted while writing its output exits 130 and leaves neither the
// output directory nor its temporary sibling behind; an interrupted parity run leaves no
// scratch build directory and no half-built runtime cache entry.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/**
 * Resolve once `found()` holds, checking every 25 ms; false after 240 s. (Polling: Node's
 * recursive fs.watch throws, uncaught, when a watched subdirectory vanishes mid-scan, and
 * vanishing directories are what these tests make.)
 */
async function waitFor(found: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (found()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

describe('SIGINT during generate and parity', () => {
  it('generate interrupted while writing the firmware directory: exit 130, nothing left in the output directory', async () => {
    const cwd = scratch('sigint-gen');
    // 1.35 MB of constants: several seconds of C generation and writing, so the signal lands mid-work.
    const spec = { name: 'big', input: [28, 28, 1], layers: [{ type: 'flatten', name: 'flat' }, { type: 'dense', units: 1024, act: 'relu6', name: 'fc1' }, { type: 'dense', units: 512, name: 'fc2' }, { type: 'dense', units: 10, name: 'fc3' }] };
    writeFileSync(path.join(cwd, 'big.json'), JSON.stringify(spec));
    const child = spawnEdgeq(['generate', 'big.json', '--out', 'fw'], cwd);
    const started = await waitFor(() => entries(cwd).some((e) => e.startsWith('.fw.edgeq-tmp-')));
    expect(started, 'the temporary output directory appeared').toBe(true);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('interrupted (SIGINT); partial output removed');
    expect(entries(cwd)).toEqual(['big.json']);
  });

  it('parity interrupted while the runtime archive builds: exit 130, no scratch directory and no half-built cache entry left', async () => {
    const cwd = scratch('sigint-parity');
    const tmp = path.join(cwd, 'tmp');
    const cache = path.join(cwd, 'cache');
    mkdirSync(tmp);
    mkdirSync(cache);
    // A private temp dir and an empty runtime cache, so the run builds the runtime archive first.
    const child = spawnEdgeq(['parity', 'dscnn', '--random', '3'], cwd, { TMPDIR: tmp, EDGEQ_CACHE_DIR: cache });
    const runtimeDir = path.join(cache, 'runtime');
    const building = () => existsSync(runtimeDir) && entries(runtimeDir).some((e) => e.includes('.tmp-')) && entries(tmp).some((e) => e.startsWith('edgeq-parity-'));
    const started = await waitFor(building);
    expect(started, 'the parity scratch directory and the cache build directory appeared').toBe(true);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('interrupted (SIGINT)');
    expect(entries(tmp).filter((e) => e.startsWith('edgeq-'))).toEqual([]);
    expect(entries(runtimeDir)).toEqual([]);
    expect(entries(cwd)).toEqual(['cache', 'tmp']);
  });
});
