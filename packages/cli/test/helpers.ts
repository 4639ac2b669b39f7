// Test helpers: run the real `edgeq` executable (bin/edgeq.js under node, as a user's shell
// would through node_modules/.bin) in a scratch directory, and build small fixtures.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll } from 'vitest';

/** The executable under test. */
export const EDGEQ_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/edgeq.js');

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run `edgeq args…` in `cwd` and collect its exit code and output (never throws on failure). */
export async function edgeq(args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  const r = await execa(process.execPath, [EDGEQ_BIN, ...args], { cwd, reject: false, env: { EDGEQ_PROGRESS: '0', ...env }, timeout: 120_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Start `edgeq` without waiting (for signal tests). */
export function spawnEdgeq(args: string[], cwd: string, env: Record<string, string> = {}): ResultPromise {
  return execa(process.execPath, [EDGEQ_BIN, ...args], { cwd, reject: false, env: { EDGEQ_PROGRESS: '0', ...env } });
}

const scratchDirs: string[] = [];
// Registered while a test file imports this module, so it runs after that file's tests.
afterAll(() => {
  for (const d of scratchDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh scratch directory, removed after the test file that made it. */
export function scratch(tag: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `edgeq-cli-${tag}-`));
  scratchDirs.push(d);
  return d;
}

/** Entries of a directory, sorted (to assert nothing partial was left). */
export function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}
