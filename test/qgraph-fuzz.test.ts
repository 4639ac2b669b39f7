// The QGraph loader under fuzzing (issue 13, "Done when" 2): 2,000 mutations of serialized
// reference and random graphs each end as a QGraphError or as a valid graph that the
// interpreter runs and the code generator turns into C; 24 of the valid mutants are run
// interpreter vs gcc under ASan+UBSan and must match bit for bit. The CPU-bound work runs in
// a child process (scripts/fuzz-qgraph.ts), so vitest's worker RPC is never starved.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { FuzzSummary } from './support/qgraph-fuzz.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MUTATIONS = 2000;
const PARITY = 24;

describe('QGraph loader fuzzing', () => {
  it(`${MUTATIONS} mutants: only QGraphErrors or valid graphs; sampled valid ones bit-exact in C (ASan+UBSan)`, async () => {
    const args = ['--import', 'tsx', 'scripts/fuzz-qgraph.ts', '--mutations', String(MUTATIONS), '--parity', String(PARITY), '--seed', '13', '--json'];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: ROOT, timeout: 590_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
    });
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as FuzzSummary;
    expect(summary.bugExamples, r.stderr).toEqual([]);
    expect(summary.bugs).toBe(0);
    expect(summary.mutations).toBe(MUTATIONS);
    expect(summary.refused + summary.valid).toBe(MUTATIONS);
    // The mutations reach both sides of the contract.
    expect(summary.refused).toBeGreaterThan(MUTATIONS / 2);
    expect(summary.valid).toBeGreaterThan(100);
    expect(summary.parityFailures).toEqual([]);
    expect(summary.parityChecked).toBe(PARITY);
    expect(summary.parityExact).toBe(PARITY);
    expect(r.code).toBe(0);
  }, 600_000);
});
