// The four bad inputs users hit most — a wrong path, a corrupt model file, an unknown
// target, an unsupported layer — each give one line naming the thing at fault, a specific
// non-zero exit code, and leave no output directory (nor a temporary one) behind; an
// existing output directory is left as it was.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, saveQGraph } from '@edgeq/ir';
import { TARGETS } from '@edgeq/harness';
import { TARGET_IDS } from '../src/targets.js';
import { edgeq, entries, scratch } from './helpers.js';

const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);

describe('bad inputs', () => {
  it('a wrong path: exit 3, one line naming the path, no output dir', async () => {
    const cwd = scratch('err-path');
    const r = await edgeq(['generate', 'models/missing.qgraph.json', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(3);
    expect(lines(r.stderr)).toEqual(['edgeq generate: models/missing.qgraph.json: no such file or directory']);
    expect(entries(cwd)).toEqual([]);
  });

  it('a W4 run keeping an unknown layer at 8 bits: exit 2 before training, the line names it and lists the valid ones', async () => {
    const cwd = scratch('err-int8-layers');
    const r = await edgeq(['qat', 'dscnn', '--weight-bits', '4', '--int8-layers', 'first,conv9', '--out', 'm.qgraph.json'], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('edgeq qat: --int8-layers conv9: not a conv/depthwise/dense layer of dscnn; valid: first, last, depthwise, conv1, dw2, pw2, dw3, pw3, dw4, pw4, dense');
    expect(entries(cwd)).toEqual([]);
    const bare = await edgeq(['ptq', 'dscnn', '--int8-layers', 'last', '--out', 'm.qgraph.json'], cwd);
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr.trim()).toBe('edgeq ptq: --int8-layers: only applies with --weight-bits 4');
  });

  it('a corrupt model file: exit 4, one line naming the file, no output dir', async () => {
    const cwd = scratch('err-corrupt');
    writeFileSync(path.join(cwd, 'broken.qgraph.json'), '{"format": "edgeq.qgraph", "version": 1, "tensors": [');
    const r = await edgeq(['generate', 'broken.qgraph.json', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^edgeq generate: broken\.qgraph\.json: not valid JSON/);
    expect(entries(cwd)).toEqual(['broken.qgraph.json']);
  });

  it('a QGraph whose fields are wrong: exit 4, the line names the field', async () => {
    const cwd = scratch('err-field');
    // A valid reference graph, then one op's stride broken.
    const g = buildReferenceModel('dscnn');
    await saveQGraph(g, path.join(cwd, 'm.qgraph.json'));
    const doc = JSON.parse(readFileSync(path.join(cwd, 'm.qgraph.json'), 'utf8'));
    doc.ops[1].options.strideH = 0;
    writeFileSync(path.join(cwd, 'm.qgraph.json'), JSON.stringify(doc));
    const r = await edgeq(['generate', 'm.qgraph.json', '--out', 'fw2'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('m.qgraph.json');
    expect(r.stderr).toContain('strideH');
    expect(entries(cwd)).toEqual(['m.qgraph.bin', 'm.qgraph.json']);
  });

  it('the CLI knows exactly the targets @edgeq/harness has', () => {
    expect([...TARGET_IDS]).toEqual(Object.keys(TARGETS));
  });

  it('an unknown target: exit 2, one line naming the target, existing output untouched', async () => {
    const cwd = scratch('err-target');
    mkdirSync(path.join(cwd, 'fw'));
    writeFileSync(path.join(cwd, 'fw', 'keep.txt'), 'mine');
    const r = await edgeq(['generate', 'dscnn', '--target', 'cortex-m99', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toEqual(['edgeq generate: --target cortex-m99: unknown target (known: host, cortex-m0, cortex-m3, cortex-m4, cortex-m7, cortex-m33, cortex-m0-mps2)']);
    expect(entries(cwd)).toEqual(['fw']);
    expect(entries(path.join(cwd, 'fw'))).toEqual(['keep.txt']);
  });

  it('an unsupported layer: exit 4, one line naming the layer and its type, no output dir', async () => {
    const cwd = scratch('err-layer');
    const spec = { name: 'rnn', input: [28, 28, 1], layers: [{ type: 'conv', filters: 8, kernel: 3, act: 'relu' }, { type: 'lstm', units: 32, name: 'lstm1' }, { type: 'dense', units: 10 }] };
    writeFileSync(path.join(cwd, 'rnn.json'), JSON.stringify(spec));
    const r = await edgeq(['generate', 'rnn.json', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toEqual(['edgeq generate: rnn.json: layers[1] "lstm1": layer type "lstm" is not supported (supported: conv, dw, ir, maxpool, avgpool, gap, flatten, dense, softmax)']);
    expect(entries(cwd)).toEqual(['rnn.json']);
  });

  it('a results document with a wrong field: exit 3, the line names the field, no report dir', async () => {
    const cwd = scratch('err-results');
    const doc = { schema: 'edgeq.results/1', title: 't', model: { name: 'm', dataset: 'd' }, accuracy: [{ variant: 'qat', scales: 'fixed', top1: 1.5, correct: 1, total: 1, evaluatedBy: 'x' }] };
    writeFileSync(path.join(cwd, 'results.json'), JSON.stringify(doc));
    const r = await edgeq(['report', 'results.json', '--out', 'report'], cwd);
    expect(r.exitCode).toBe(3);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^edgeq report: results\.json: accuracy\[0\]\.top1: /);
    expect(entries(cwd)).toEqual(['results.json']);
  });

  it('an invalid flag value: exit 2 with one line', async () => {
    const cwd = scratch('err-flag');
    const r = await edgeq(['generate', 'dscnn', '--scales', 'log'], cwd);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain("'log' is invalid");
    expect(entries(cwd)).toEqual([]);
  });

  it('--out naming a directory that is not an earlier edgeq output: exit 2, the directory untouched', async () => {
    const cwd = scratch('err-outdir');
    const g = buildReferenceModel('dscnn');
    await saveQGraph(g, path.join(cwd, 'm.qgraph.json'));
    mkdirSync(path.join(cwd, 'src'));
    writeFileSync(path.join(cwd, 'src', 'main.c'), 'int main(void) { return 0; }\n');
    const r = await edgeq(['generate', 'm.qgraph.json', '--target', 'host', '--out', 'src'], cwd);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/src: exists and is not an earlier edgeq output \(no edgeq-firmware\.json\); refusing to replace it/);
    expect(entries(path.join(cwd, 'src'))).toEqual(['main.c']);
    // An earlier firmware directory is replaced as before.
    expect((await edgeq(['generate', 'm.qgraph.json', '--target', 'host', '--out', 'fw'], cwd)).exitCode).toBe(0);
    expect((await edgeq(['generate', 'm.qgraph.json', '--target', 'host', '--out', 'fw'], cwd)).exitCode).toBe(0);
    expect(entries(path.join(cwd, 'fw'))).toContain('edgeq-firmware.json');
  });

});
