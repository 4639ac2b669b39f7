/**
 * Shared by the bench scripts: the provenance every results file carries (command,
 * git commit, date, machine) and an atomic JSON writer.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@edgeq/ir';

export const BENCH_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = path.join(BENCH_ROOT, 'results');

/** The git commit of the working tree (with "+dirty" when it has uncommitted changes). */
export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: BENCH_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: BENCH_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

export function provenance(): Record<string, unknown> {
  return {
    command: ['npx', 'tsx', ...process.argv.slice(1).map((a) => path.relative(path.resolve(BENCH_ROOT, '..'), a) || a)].join(' '),
    commit: gitCommit(),
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((v) => +v.toFixed(2)) },
  };
}

/** First line of `command --version` for each tool the MCU benches build and run with ("not found" when absent). */
export function toolchainVersions(commands: readonly string[] = ['arm-none-eabi-gcc', 'qemu-system-arm']): Record<string, string> {
  return Object.fromEntries(commands.map((command) => {
    try {
      return [command, execFileSync(command, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim()];
    } catch {
      return [command, 'not found'];
    }
  }));
}

/** Write bench/results/<name>.json atomically. */
export async function writeResults(name: string, data: Record<string, unknown>): Promise<string> {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  await writeFileAtomic(file, JSON.stringify({ ...provenance(), ...data }, null, 2) + '\n');
  return file;
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
