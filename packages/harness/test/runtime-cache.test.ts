// The compiled-runtime cache: a private per-user directory (0700, tightened if it was
// wider), and an archive checked against its recorded SHA-256 before every link — a
// tampered entry is rebuilt, not linked.
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedRuntimeArchive, edgeqCacheDir } from '../src/runtime-cache.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'edgeq-cache-test-'));
const cacheDir = path.join(home, 'cache');
const saved = process.env.EDGEQ_CACHE_DIR;
beforeAll(() => {
  process.env.EDGEQ_CACHE_DIR = cacheDir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.EDGEQ_CACHE_DIR;
  else process.env.EDGEQ_CACHE_DIR = saved;
  rmSync(home, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const mode = (p: string) => statSync(p).mode & 0o777;

describe('runtime archive cache', () => {
  it('lives in $EDGEQ_CACHE_DIR, else $XDG_CACHE_HOME/edgeq, else ~/.cache/edgeq', () => {
    expect(edgeqCacheDir({ EDGEQ_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(edgeqCacheDir({ XDG_CACHE_HOME: '/home/u/.xdg' })).toBe('/home/u/.xdg/edgeq');
    expect(edgeqCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache', 'edgeq'));
    expect(edgeqCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'edgeq'));
  });

  it('is created private (0700), and a directory left wider is tightened', async () => {
    mkdirSync(cacheDir, { mode: 0o755 });
    chmodSync(cacheDir, 0o755);
    const lib = await cachedRuntimeArchive('gcc', ['-O1']);
    expect(lib.startsWith(path.join(cacheDir, 'runtime') + path.sep)).toBe(true);
    expect(mode(cacheDir)).toBe(0o700);
    expect(mode(path.join(cacheDir, 'runtime'))).toBe(0o700);
    expect(mode(path.dirname(lib))).toBe(0o700);
  });

  it('a tampered archive is detected and rebuilt before it is linked', async () => {
    const lib = await cachedRuntimeArchive('gcc', ['-O1']);
    const good = sha256(lib);
    const record = JSON.parse(readFileSync(path.join(path.dirname(lib), 'entry.json'), 'utf8'));
    expect(record.archiveSha256).toBe(good);
    appendFileSync(lib, 'tampered');
    expect(sha256(lib)).not.toBe(good);
    const again = await cachedRuntimeArchive('gcc', ['-O1']);
    expect(again).toBe(lib);
    // Rebuilt from the same sources and flags: the recorded hash holds again, and nothing half-built is left beside it.
    const rebuilt = JSON.parse(readFileSync(path.join(path.dirname(lib), 'entry.json'), 'utf8'));
    expect(sha256(again)).toBe(rebuilt.archiveSha256);
    // ar D (no timestamps): the same sources and flags give the same bytes as the first build.
    expect(rebuilt.archiveSha256).toBe(good);
    expect(readFileSync(again).includes(Buffer.from('tampered'))).toBe(false);
    expect(readdirSync(path.join(cacheDir, 'runtime'))).toEqual([path.basename(path.dirname(lib))]);
  });
});
