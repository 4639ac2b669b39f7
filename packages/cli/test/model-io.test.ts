// Models passed between commands, run as a user would: `edgeq train` saves a float model
// directory; `ptq` / `qat` start from it (PTQ from the saved model equals PTQ in one run, byte
// for byte), `qat --save-model` keeps the quantised model, `freeze` turns it into the same
// QGraph `qat` wrote, and `simulate` runs it. Wrong or corrupt model directories give one
// line naming the path and field, a meaningful exit code, and no output.
import { cpSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_DOC_FILE } from '@edgeq/qat';
import { SAVED_MODEL_DOC } from '../src/saved-model.js';
import { edgeq, entries, scratch } from './helpers.js';

const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);
const read = (...p: string[]) => readFileSync(path.join(...p));
const json = (...p: string[]) => JSON.parse(read(...p).toString('utf8'));
/** A tiny float recipe: 256 images, one epoch of 4 steps. */
const TINY = ['--limit', '256', '--epochs', '1', '--fine-tune-epochs', '0'];

describe('edgeq train → ptq / qat → freeze → simulate', () => {
  const cwd = scratch('model-io');

  beforeAll(async () => {
    const r = await edgeq(['--json', 'train', 'dscnn', ...TINY, '--out', 'float'], cwd);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    writeFileSync(path.join(cwd, 'train.json'), r.stdout);
  });

  it('train writes a float model directory and one JSON document', () => {
    const doc = JSON.parse(read(cwd, 'train.json').toString('utf8'));
    expect(doc).toMatchObject({ ok: true, model: path.join(cwd, 'float'), name: 'dscnn', phase: 'float', trainImages: 256, epochs: 1, steps: 4 });
    expect(entries(path.join(cwd, 'float'))).toEqual(['edgeq-model.json', 'weights.bin']);
    // One float32 per weight.
    expect(statSync(path.join(cwd, 'float', 'weights.bin')).size).toBe(4 * doc.parameters);
    const saved = json(cwd, 'float', 'edgeq-model.json');
    expect(saved).toMatchObject({ format: 'edgeq.model', version: 1, phase: 'float', qatStep: 0 });
    expect(saved.history).toEqual(['float 1 epoch(s) adam 0.001 batch 64 seed 1: 4 steps']);
  });

  it('ptq from the saved float model writes exactly the QGraph ptq writes from the spec in one run', async () => {
    const a = await edgeq(['ptq', 'float', '--limit', '256', '--calibration', '128', '--out', 'ptq-saved.qgraph.json'], cwd);
    expect(a.stderr).toBe('');
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toContain('float: dscnn loaded from float');
    const b = await edgeq(['ptq', 'dscnn', ...TINY, '--calibration', '128', '--out', 'ptq-spec.qgraph.json'], cwd);
    expect(b.exitCode).toBe(0);
    expect(read(cwd, 'ptq-saved.qgraph.bin').equals(read(cwd, 'ptq-spec.qgraph.bin'))).toBe(true);
    expect(read(cwd, 'ptq-saved.qgraph.json').toString()).toBe(read(cwd, 'ptq-spec.qgraph.json').toString());
  });

  it('qat from the saved float model with --save-model; freeze of that model gives the same graph; simulate runs it', async () => {
    const q = await edgeq(['qat', 'float', '--limit', '256', '--save-model', 'qat-model', '--out', 'qat.qgraph.json'], cwd);
    expect(q.stderr).toBe('');
    expect(q.exitCode).toBe(0);
    expect(lines(q.stdout)).toContain('saved the quantised model to qat-model (edgeq freeze reads it)');
    const saved = json(cwd, 'qat-model', 'edgeq-model.json');
    // 256 images / batch 64 = 4 QAT steps; the schedule is sized to them.
    expect(saved).toMatchObject({ phase: 'quant', qatStep: 4, config: { scales: 'fixed', schedule: { recordSteps: 0, freezeBnStep: 2, freezeRangesStep: 3 } } });

    const f = await edgeq(['--json', 'freeze', 'qat-model', '--out', 'frozen.qgraph.json'], cwd);
    expect(f.stderr).toBe('');
    expect(f.exitCode).toBe(0);
    expect(JSON.parse(f.stdout)).toMatchObject({ ok: true, graph: path.join(cwd, 'frozen.qgraph.json'), stage: 'freeze', qatStep: 4, quantization: { scales: 'fixed', rounding: 'tflm' } });
    // Same constants, tensors and ops as the graph qat froze in memory (only name and metadata differ).
    expect(read(cwd, 'frozen.qgraph.bin').equals(read(cwd, 'qat.qgraph.bin'))).toBe(true);
    const g1 = json(cwd, 'qat.qgraph.json');
    const g2 = json(cwd, 'frozen.qgraph.json');
    expect(g2.tensors).toEqual(g1.tensors);
    expect(g2.ops).toEqual(g1.ops);

    const s = await edgeq(['--json', 'simulate', 'frozen.qgraph.json', '--data', 'fashion-mnist', '--limit', '40'], cwd);
    expect(s.exitCode).toBe(0);
    const sim = JSON.parse(s.stdout);
    expect(sim).toMatchObject({ ok: true, samples: 40 });
    expect(sim.predictions).toHaveLength(40);
    // A saved quantised model directory is also a model input: frozen on the fly, same predictions.
    const d = await edgeq(['--json', 'simulate', 'qat-model', '--data', 'fashion-mnist', '--limit', '40'], cwd);
    expect(d.exitCode).toBe(0);
    expect(JSON.parse(d.stdout).predictions).toEqual(sim.predictions);
  });

  it('qat --weight-bits 4 fixes the 4-bit weight scales at the BN freeze by default; freeze exports them; never leaves them free', async () => {
    const w4 = ['--limit', '256', '--weight-bits', '4', '--int8-layers', 'first,last'];
    const q = await edgeq(['qat', 'float', ...w4, '--save-model', 'qat-w4', '--out', 'qat-w4.qgraph.json', '--results', 'results-w4.json'], cwd);
    expect(q.stderr).toBe('');
    expect(q.exitCode).toBe(0);
    // The results document marks the variant as W4A8, so a W8 run's rows would sit beside it.
    const doc = json(cwd, 'results-w4.json');
    expect(doc.variants.find((v: { variant: string }) => v.variant === 'qat')).toMatchObject({ scales: 'fixed', granularity: 'per-channel', weightBits: 4 });
    expect(doc.layerError[0].variant).toBe('QAT · fixed · W4');
    const saved = json(cwd, 'qat-w4', 'edgeq-model.json');
    // 4 QAT steps: BN and the 4-bit scales fixed at step 2.
    expect(saved).toMatchObject({ qatStep: 4, config: { weightBits: 4, schedule: { freezeBnStep: 2, freezeWeightScalesStep: 2 } } });
    const graph = json(cwd, 'qat-w4.qgraph.json');
    const int4Layers: string[] = graph.metadata.int4Layers;
    expect(int4Layers.length).toBeGreaterThan(0);
    expect(saved.frozenWeightScales.map((f: { layer: string }) => f.layer).sort()).toEqual([...int4Layers].sort());
    // Freezing the saved model uses those scales: the same constants as the graph qat froze.
    const f = await edgeq(['freeze', 'qat-w4', '--out', 'frozen-w4.qgraph.json'], cwd);
    expect(f.exitCode).toBe(0);
    expect(read(cwd, 'frozen-w4.qgraph.bin').equals(read(cwd, 'qat-w4.qgraph.bin'))).toBe(true);

    // Also one learning rate per QAT epoch: two epochs, 1e-4 then 3e-5, each its own Adam.
    const n = await edgeq(['qat', 'float', ...w4, '--freeze-weight-scales', 'never', '--qat-lr', '1e-4,3e-5', '--save-model', 'qat-w4-free', '--out', 'qat-w4-free.qgraph.json', '--results', 'results-w4-free.json'], cwd);
    expect(n.stderr).toBe('');
    expect(n.exitCode).toBe(0);
    const free = json(cwd, 'qat-w4-free', 'edgeq-model.json');
    expect(free.config.schedule.freezeWeightScalesStep).toBeUndefined();
    expect(free.frozenWeightScales).toBeUndefined();
    expect(free).toMatchObject({ qatStep: 8, config: { schedule: { freezeBnStep: 4, freezeRangesStep: 6 } } });
    const freeDoc = json(cwd, 'results-w4-free.json');
    expect(freeDoc.variants.find((v: { variant: string }) => v.variant === 'qat').description).toContain('trained 2 more epochs with fake-quant at lr 0.0001, then 0.00003;');
    expect(freeDoc.settings['qat qatLr']).toBe('0.0001,0.00003');
    // Both epochs' losses are recorded (numbered from 1 after a loaded float model), the second from the second train() call.
    expect(freeDoc.training.filter((t: { stage: string }) => t.stage === 'qat').map((t: { epoch: number }) => t.epoch)).toEqual([1, 2]);
    const mismatch = await edgeq(['qat', 'float', '--limit', '256', '--qat-epochs', '3', '--qat-lr', '1e-4,3e-5', '--out', 'nope.qgraph.json'], cwd);
    expect(mismatch.exitCode).toBe(2);
    expect(lines(mismatch.stderr)).toEqual(['edgeq qat: --qat-lr: 2 rates for --qat-epochs 3; give one rate, or one per QAT epoch']);

    const w8 = await edgeq(['qat', 'float', '--limit', '256', '--freeze-weight-scales', 'half', '--out', 'nope.qgraph.json'], cwd);
    expect(w8.exitCode).toBe(2);
    expect(lines(w8.stderr)).toEqual(['edgeq qat: --freeze-weight-scales: only applies with --weight-bits 4']);
    expect(entries(cwd).filter((e) => e.startsWith('nope'))).toEqual([]);
  });

  it('freeze keeps the model\'s scale mode: another --scales is refused (exit 2)', async () => {
    const r = await edgeq(['freeze', 'qat-model', '--scales', 'pow2', '--out', 'p2.qgraph.json'], cwd);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toEqual(['edgeq freeze: qat-model: was quantised with fixed scales; --scales pow2 needs a model quantised that way (edgeq qat --scales pow2)']);
    expect(entries(cwd).filter((e) => e.startsWith('p2') || e.includes('edgeq-tmp'))).toEqual([]);
  });

  it('freeze of a float model: exit 4, one line saying to run qat or ptq first, no output', async () => {
    const r = await edgeq(['freeze', 'float', '--out', 'nope.qgraph.json'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toEqual(['edgeq freeze: float: is a float model (not quantised yet); run "edgeq qat float" or "edgeq ptq float" first (with --save-model DIR to freeze later)']);
    expect(entries(cwd).filter((e) => e.startsWith('nope'))).toEqual([]);
  });

  it('ptq of an already quantised model: exit 4, one line', async () => {
    const r = await edgeq(['ptq', 'qat-model', '--limit', '64', '--out', 'nope.qgraph.json'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toEqual(['edgeq ptq: qat-model: is already quantised; ptq starts from a float model (edgeq train), and "edgeq freeze qat-model" exports this one']);
    expect(entries(cwd).filter((e) => e.startsWith('nope'))).toEqual([]);
  });

  it('a truncated weights file: exit 4, one line naming the file, no output', async () => {
    const bad = path.join(cwd, 'bad-blob');
    cpSync(path.join(cwd, 'qat-model'), bad, { recursive: true });
    const size = statSync(path.join(bad, 'weights.bin')).size;
    truncateSync(path.join(bad, 'weights.bin'), size - 8);
    const r = await edgeq(['freeze', 'bad-blob', '--out', 'bad.qgraph.json'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toEqual([`edgeq freeze: bad-blob/weights.bin: is ${size - 8} bytes, but weights.byteLength in bad-blob/edgeq-model.json is ${size} (truncated file?)`]);
    expect(entries(cwd).filter((e) => e.startsWith('bad.'))).toEqual([]);
  });

  it('a document with a wrong field: exit 4, one line naming the file and field, no output', async () => {
    const bad = path.join(cwd, 'bad-doc');
    cpSync(path.join(cwd, 'qat-model'), bad, { recursive: true });
    const doc = json(bad, 'edgeq-model.json');
    doc.nodes[1].stride = [2];
    writeFileSync(path.join(bad, 'edgeq-model.json'), JSON.stringify(doc));
    const r = await edgeq(['--json', 'freeze', 'bad-doc', '--out', 'bad.qgraph.json'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toEqual(['edgeq freeze: bad-doc/edgeq-model.json: nodes[1] "conv1".stride: expected 2 integers, got [2]']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { exitCode: 4, kind: 'model' } });
    expect(entries(cwd).filter((e) => e.startsWith('bad.'))).toEqual([]);
  });

  it('freeze of something that is not a saved model: exit 2 for a QGraph, exit 3 for a directory without a model', async () => {
    const g = await edgeq(['freeze', 'qat.qgraph.json', '--out', 'x.qgraph.json'], cwd);
    expect(g.exitCode).toBe(2);
    expect(lines(g.stderr)).toEqual(['edgeq freeze: qat.qgraph.json: freeze reads a saved quantised model directory (written by edgeq qat or ptq --save-model); it is already a QGraph']);
    mkdirSync(path.join(cwd, 'empty'));
    const e = await edgeq(['freeze', 'empty', '--out', 'x.qgraph.json'], cwd);
    expect(e.exitCode).toBe(3);
    expect(lines(e.stderr)).toHaveLength(1);
    expect(e.stderr).toContain('edgeq freeze: empty: a directory, but neither edgeq-model.json');
    expect(entries(cwd).filter((x) => x.startsWith('x.'))).toEqual([]);
  });
});

describe('edgeq train output safety', () => {
  it('refuses, before training, to replace a directory that is not a model (exit 2, untouched)', async () => {
    const cwd = scratch('train-foreign');
    mkdirSync(path.join(cwd, 'src'));
    writeFileSync(path.join(cwd, 'src', 'main.c'), 'int main(void) { return 0; }\n');
    const r = await edgeq(['train', 'dscnn', ...TINY, '--out', 'src'], cwd);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toEqual([`edgeq train: --out src: exists and is not an edgeq model directory (no edgeq-model.json); refusing to replace it`]);
    expect(r.stdout).toBe(''); // refused before the backend started or any training
    expect(entries(cwd)).toEqual(['src']);
    expect(entries(path.join(cwd, 'src'))).toEqual(['main.c']);
  });

  it('the CLI recognises saved models by the file @edgeq/qat writes', () => {
    expect(SAVED_MODEL_DOC).toBe(MODEL_DOC_FILE);
  });
});
