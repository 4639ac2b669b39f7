// scripts/tflm-op-cases.ts, the edgeq half of the TFLite Micro comparison (docs/tflm-comparison.md):
// `write` covers every compared op and both reference models, and `compare` counts exactly the
// elements and refusals an external driver reports. The driver here is a stand-in that echoes
// edgeq's own outputs, then one with a changed value and a refused case; the script runs in a
// child process, as a user runs it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCRIPT = 'scripts/tflm-op-cases.ts';

function runScript(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, timeout: 110_000, maxBuffer: 1 << 26 }, (err, stdout) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    );
  });
}

/** Case id → edgeq's output tokens, read as a driver would. */
function edgeqOutputs(cases: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let id = '';
  for (const line of cases.split('\n')) {
    const words = line.split(' ');
    if (words[0] === 'case') id = words[1];
    if (words[0] === 'edgeq') out.set(id, words.slice(2));
  }
  return out;
}

function writeResults(dir: string, outputs: Map<string, string[]>, edit: (id: string, values: string[]) => string | undefined = () => undefined): void {
  const lines = ['edgeq-op-outputs 1'];
  for (const [id, values] of outputs) lines.push(edit(id, values) ?? `result ${id} ok ${values.length} ${values.join(' ')}`);
  writeFileSync(path.join(dir, 'tflm-outputs.txt'), lines.join('\n') + '\n');
}

describe('tflm-op-cases script', () => {
  let dir: string;
  let written: { code: number; stdout: string };
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'edgeq-tflm-cases-'));
    written = await runScript(['write', '--out', dir, '--seed', '3', '--per-op', '3', '--model-inputs', '1']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes at least --per-op random cases of every compared op, and every op of both reference models', () => {
    expect(written.code).toBe(0);
    for (const op of ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MEAN', 'SOFTMAX', 'PAD', 'CONCATENATION', 'QUANTIZE', 'DEQUANTIZE', 'LOGISTIC', 'STRIDED_SLICE']) {
      const n = Number(new RegExp(`^  ${op} random +(\\d+)$`, 'm').exec(written.stdout)?.[1]);
      expect(n, op).toBeGreaterThanOrEqual(3);
    }
    expect(written.stdout).toMatch(/^ {2}LOGISTIC single +3$/m);
    // dscnn: conv1, dw2, pw2, dw3, pw3, dw4, pw4, gap, dense, softmax — as single ops and as a chain.
    expect(written.stdout).toMatch(/^ {2}CONV_2D dscnn\/chain +4$/m);
    expect(written.stdout).toMatch(/^ {2}SOFTMAX mbv2mini\/op +1$/m);
    const cases = readFileSync(path.join(dir, 'cases.txt'), 'utf8');
    expect(cases.startsWith('edgeq-op-cases 1\n')).toBe(true);
    // A chain's second op reads the first op's case by reference.
    expect(cases).toMatch(/^tensor i8 4 1 14 14 16 1 \d+ -128 ref \d+$/m);
  });

  it('compare finds 0 differing elements when the driver agrees, and counts a changed value and a refusal', async () => {
    const outputs = edgeqOutputs(readFileSync(path.join(dir, 'cases.txt'), 'utf8'));
    writeResults(dir, outputs);
    const same = await runScript(['compare', '--dir', dir]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^total differing elements: 0$/m);

    const meanId = /^case (\d+) MEAN single$/m.exec(readFileSync(path.join(dir, 'cases.txt'), 'utf8'))![1];
    const padId = /^case (\d+) PAD random$/m.exec(readFileSync(path.join(dir, 'cases.txt'), 'utf8'))![1];
    writeResults(dir, outputs, (id, values) => {
      if (id === padId) return `result ${id} refused pad-shape`;
      if (id !== meanId) return undefined;
      const changed = [...values];
      changed[0] = String(Number(changed[0]) === 127 ? 126 : Number(changed[0]) + 1);
      return `result ${id} ok ${changed.length} ${changed.join(' ')}`;
    });
    const differ = await runScript(['compare', '--dir', dir]);
    expect(differ.code).toBe(1);
    expect(differ.stdout).toMatch(new RegExp(`^MEAN +single +3 +0 +\\d+ +1 +1 +${meanId}$`, 'm'));
    expect(differ.stdout).toMatch(/^PAD +random +\d+ +1 +\d+ +0 .*refused: pad-shape$/m);
    expect(differ.stdout).toMatch(/^total differing elements: 1$/m);
  });
});
