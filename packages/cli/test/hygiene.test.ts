// CLI hygiene at the edges: labels checked before anything is sized from them, a QGraph
// missing its blob or its blob hash, and control characters in names kept off the terminal.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, saveQGraph } from '@edgeq/ir';
import { encodeNpy } from '../src/inputs/npy.js';
import { escapeControlCharacters } from '../src/output.js';
import { edgeq, entries, scratch } from './helpers.js';

const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);

/** Three 28×28 uint8 images. */
function writeImages(cwd: string): void {
  writeFileSync(path.join(cwd, 'x.npy'), encodeNpy(new Uint8Array(3 * 784).map((_, i) => (i * 7) % 256), [3, 28, 28]));
}

describe('labels are checked before they size anything', () => {
  // dscnn has 10 outputs: class ids run 0..9.
  const cases: [string, Int32Array | Float64Array, RegExp][] = [
    ['-1', Int32Array.from([2, -1, 3]), /^edgeq simulate: y\.npy: label 1 is -1, outside the class ids 0\.\.9 \(model dscnn has 10 outputs/],
    ['50,000', Int32Array.from([50_000, 1, 3]), /^edgeq simulate: y\.npy: label 0 is 50000, outside the class ids 0\.\.9/],
    ['10 (one past the last class)', Int32Array.from([0, 1, 10]), /^edgeq simulate: y\.npy: label 2 is 10, outside the class ids 0\.\.9/],
    ['NaN', Float64Array.from([0, 1, NaN]), /^edgeq simulate: y\.npy: label 2 is NaN: labels must be integer class ids/],
    ['2.5', Float64Array.from([2.5, 1, 0]), /^edgeq simulate: y\.npy: label 0 is 2\.5: labels must be integer class ids/],
  ];
  for (const [what, labels, message] of cases) {
    it(`a label of ${what}: exit 3, one line naming the file, the position and the value`, async () => {
      const cwd = scratch('labels');
      writeImages(cwd);
      writeFileSync(path.join(cwd, 'y.npy'), encodeNpy(labels, [3]));
      const r = await edgeq(['simulate', 'dscnn', '--data', 'x.npy', '--labels', 'y.npy'], cwd);
      expect(r.exitCode).toBe(3);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it('valid labels still score (the check does not reject class ids 0..9)', async () => {
    const cwd = scratch('labels-ok');
    writeImages(cwd);
    writeFileSync(path.join(cwd, 'y.npy'), encodeNpy(Int32Array.from([0, 9, 4]), [3]));
    const r = await edgeq(['simulate', 'dscnn', '--data', 'x.npy', '--labels', 'y.npy'], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/top-1 accuracy: [\d.]+% \(\d\/3\)/);
  });
});

describe('a QGraph is two files', () => {
  it('a missing .qgraph.bin: exit 3, one line naming the blob file', async () => {
    const cwd = scratch('noblob');
    await saveQGraph(buildReferenceModel('dscnn'), path.join(cwd, 'm.qgraph.json'));
    rmSync(path.join(cwd, 'm.qgraph.bin'));
    const r = await edgeq(['generate', 'm.qgraph.json', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(3);
    expect(lines(r.stderr)).toEqual(['edgeq generate: m.qgraph.bin: no such file: m.qgraph.json keeps its constants in this file beside it (copy both files)']);
    expect(entries(cwd)).toEqual(['m.qgraph.json']);
  });

  it('a document without blobSha256 is refused, and the message shows the blob hash to add', async () => {
    const cwd = scratch('nohash');
    const g = buildReferenceModel('dscnn');
    await saveQGraph(g, path.join(cwd, 'm.qgraph.json'));
    const doc = JSON.parse(readFileSync(path.join(cwd, 'm.qgraph.json'), 'utf8'));
    delete doc.blobSha256;
    writeFileSync(path.join(cwd, 'm.qgraph.json'), JSON.stringify(doc));
    const r = await edgeq(['generate', 'm.qgraph.json', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('edgeq generate: m.qgraph.json: has no "blobSha256", so nothing shows that m.qgraph.bin belongs to it');
    // The hash shown is the blob's, computed here independently.
    expect(r.stderr).toContain(`"blobSha256": "${createHash('sha256').update(g.blob).digest('hex')}"`);
    expect(entries(cwd)).toEqual(['m.qgraph.bin', 'm.qgraph.json']);
  });
});

describe('control characters in names', () => {
  it('are escaped: ESC, BEL, CR and bidi overrides become visible escapes; tab and newline stay', () => {
    expect(escapeControlCharacters('a\x1b[31mred\x07')).toBe('a\\x1b[31mred\\x07');
    expect(escapeControlCharacters('x\ry\u202ez\u0085')).toBe('x\\x0dy\\u202ez\\x85');
    expect(escapeControlCharacters('tab\there\nnext line é ü 漢')).toBe('tab\there\nnext line é ü 漢');
  });

  it('a model named with escape sequences never reaches the terminal raw', async () => {
    const cwd = scratch('ctrl-names');
    const g = buildReferenceModel('dscnn');
    g.name = 'evil\x1b]0;owned\x07\x1b[2J\u202e';
    await saveQGraph(g, path.join(cwd, 'm.qgraph.json'));
    writeImages(cwd);
    const r = await edgeq(['simulate', 'm.qgraph.json', '--data', 'x.npy'], cwd);
    const printed = r.stdout + r.stderr;
    // eslint-disable-next-line no-control-regex
    expect(printed).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(printed).toContain('evil\\x1b]0;owned\\x07\\x1b[2J\\u202e');
  });
});
