// Every subcommand answers --help with its usage and exits 0; the root help lists them all
// and documents the exit codes.
import { describe, expect, it } from 'vitest';
import { edgeq, scratch } from './helpers.js';

const SUBCOMMANDS = ['train', 'qat', 'ptq', 'freeze', 'generate', 'simulate', 'parity', 'bench', 'report'];

describe('edgeq --help', () => {
  const cwd = scratch('help');

  it('root help lists every subcommand and the exit codes', async () => {
    const r = await edgeq(['--help'], cwd);
    expect(r.exitCode).toBe(0);
    for (const c of SUBCOMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toContain('130 interrupted');
  });

  it.each(SUBCOMMANDS)('%s --help shows its usage, options and an example', async (c) => {
    const r = await edgeq([c, '--help'], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Usage: edgeq ${c} [options]`);
    expect(r.stdout).toContain('Options:');
    expect(r.stdout).toContain(`Example:\n  edgeq ${c} `);
  });

  it('--version prints the version', async () => {
    const r = await edgeq(['--version'], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
