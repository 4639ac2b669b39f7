// edgeq.config.json: values apply where no flag is given, flags override them, per-command
// sections beat top-level keys, and unknown keys are refused by name.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { edgeq, scratch } from './helpers.js';

const manifest = (cwd: string, dir: string) => JSON.parse(readFileSync(path.join(cwd, dir, 'edgeq-firmware.json'), 'utf8'));

describe('edgeq.config.json', () => {
  it('config sets defaults; flags override; command sections beat top-level keys', async () => {
    const cwd = scratch('config');
    writeFileSync(path.join(cwd, 'edgeq.config.json'), JSON.stringify({ target: 'cortex-m7', rounding: 'single', generate: { out: 'from-config' } }));
    expect((await edgeq(['generate', 'dscnn'], cwd)).exitCode).toBe(0);
    expect(manifest(cwd, 'from-config')).toMatchObject({ target: 'cortex-m7', quantization: { rounding: 'single' } });
    expect((await edgeq(['generate', 'dscnn', '--target', 'cortex-m3', '--out', 'flagged'], cwd)).exitCode).toBe(0);
    expect(manifest(cwd, 'flagged')).toMatchObject({ target: 'cortex-m3', quantization: { rounding: 'single' } });
  });

  it('an unknown key is one usage error naming it', async () => {
    const cwd = scratch('config-bad');
    writeFileSync(path.join(cwd, 'edgeq.config.json'), JSON.stringify({ generate: { targte: 'cortex-m4' } }));
    const r = await edgeq(['generate', 'dscnn'], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`edgeq generate: ${path.join(cwd, 'edgeq.config.json')}: generate.targte: "generate" has no option "targte"`);
  });

  it('--config names another file; a bad value there is refused', async () => {
    const cwd = scratch('config-explicit');
    writeFileSync(path.join(cwd, 'ci.json'), JSON.stringify({ scales: 'log' }));
    const r = await edgeq(['--config', 'ci.json', 'generate', 'dscnn'], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('ci.json: scales: "log" is not one of fixed, pow2');
  });
});
