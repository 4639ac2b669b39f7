// `--sim-workers N`: the int8 interpreter of simulate and parity on N worker threads. simulate
// says how many ran and predicts what one thread predicts; parity's interpreter side on
// workers is still bit-exact with the generated C; a count that is not positive is refused.
import { describe, expect, it } from 'vitest';
import { edgeq, scratch } from './helpers.js';

describe('--sim-workers', () => {
  const cwd = scratch('sim-workers');

  it('simulate runs the interpreter on that many workers, with the predictions of one thread', async () => {
    const runs = await Promise.all(['1', '2'].map((n) => edgeq(['--json', 'simulate', 'dscnn', '--random', '80', '--sim-workers', n], cwd)));
    const [one, two] = runs.map((r) => {
      expect(r.exitCode, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { samples: number; predictions: number[]; interpreter: { workers: number } };
    });
    expect(one.interpreter.workers).toBe(0);
    expect(two.interpreter.workers).toBe(2);
    expect(two.samples).toBe(80);
    expect(two.predictions).toEqual(one.predictions);
  });

  it('parity with the interpreter on 2 workers is bit-exact with the generated C', async () => {
    const r = await edgeq(['parity', 'dscnn', '--random', '80', '--sim-workers', '2'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('parity: 80/80 bit-exact on host (gcc)');
  });

  it('refuses a count that is not a positive integer', async () => {
    const r = await edgeq(['simulate', 'dscnn', '--random', '80', '--sim-workers', '0'], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('edgeq simulate: --sim-workers 0: expected a positive integer');
  });
});
