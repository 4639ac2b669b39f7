/**
 * The loader's validation: one test per kind of bad input, each asserting that the error
 * names the op / tensor / field at fault. Graphs are mutated copies of a valid one.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, QGraphError, loadQGraph, parseQGraph, q, qgraphDoc, saveQGraph, type QGraphDoc } from '../src/index.js';

function validGraph() {
  const b = new GraphBuilder('small', { scales: 'fixed', rounding: 'tflm' });
  const x = b.input('x', [1, 4, 4, 2], q(0.05, -3));
  const c = b.conv2d(x, { name: 'conv1', weights: new Int8Array(3 * 3 * 3 * 2).fill(5), weightShape: [3, 3, 3, 2], weightScales: [0.01, 0.02, 0.03], bias: new Int32Array([1, 2, 3]), out: q(0.1, 4), activation: 'RELU' });
  const m = b.mean('gap', c, q(0.1, 4));
  b.output(b.fullyConnected(m, { name: 'fc', weights: new Int8Array(6).fill(1), weightShape: [2, 3], weightScales: [0.02], bias: new Int32Array(2), out: q(0.2, 0) }));
  return b.build();
}

function mutated(edit: (doc: QGraphDoc, blob: Uint8Array) => Uint8Array | void): () => unknown {
  const g = validGraph();
  const doc = JSON.parse(JSON.stringify(qgraphDoc(g))) as QGraphDoc;
  const blob = edit(doc, g.blob.slice()) ?? g.blob;
  return () => parseQGraph(doc, blob, 'model.qgraph.json');
}

const tensorIndex = (doc: QGraphDoc, name: string) => doc.tensors.findIndex((t) => t.name === name);

describe('QGraph validation errors name the fault', () => {
  it('accepts the valid graph', () => {
    expect(() => mutated(() => undefined)()).not.toThrow();
  });
  const cases: [string, (doc: QGraphDoc, blob: Uint8Array) => Uint8Array | void, RegExp][] = [
    ['unknown op', (d) => { (d.ops[0] as { type: string }).type = 'LSTM'; }, /ops\[0\]\.type: unknown op "LSTM"/],
    ['unsupported op version', (d) => { d.ops[1].version = 7; }, /ops\[1\] "gap" \(MEAN\)\.version: unsupported version 7/],
    ['unsupported document version', (d) => { d.version = 99; }, /version: unsupported QGraph version 99/],
    ['shape mismatch', (d) => { d.tensors[tensorIndex(d, 'conv1')].shape = [1, 4, 4, 4]; }, /ops\[0\] "conv1" \(CONV_2D\)\.outputs\[0\]: output "conv1" has shape \[1, 4, 4, 4\], expected \[1, 4, 4, 3\]/],
    ['zero point out of range', (d) => { d.tensors[0].quant!.zeroPoint = [200]; }, /tensors\[0\] "x"\.quant\.zeroPoint\[0\]: zero point 200 out of range \[-128, 127\]/],
    ['non-finite scale', (d) => { d.tensors[0].quant!.scale = [Number.POSITIVE_INFINITY]; }, /tensors\[0\] "x"\.quant\.scale\[0\]: scale must be finite and > 0/],
    ['non-positive scale', (d) => { d.tensors[0].quant!.scale = [0]; }, /tensors\[0\] "x"\.quant\.scale\[0\]: scale must be finite and > 0/],
    ['scale that underflows float32', (d) => { d.tensors[0].quant!.scale = [1e-50]; }, /tensors\[0\] "x"\.quant\.scale\[0\]/],
    ['per-channel array of the wrong length', (d) => { d.tensors[tensorIndex(d, 'conv1/weights')].quant!.scale = [0.1, 0.2]; d.tensors[tensorIndex(d, 'conv1/weights')].quant!.zeroPoint = [0, 0]; }, /tensors\[\d+\] "conv1\/weights"\.quant\.scale: per-channel array has 2 entries but dimension 0 is 3/],
    ['buffer out of bounds', (d) => { d.tensors[tensorIndex(d, 'fc/bias')].buffer!.offset = 100000; }, /tensors\[\d+\] "fc\/bias"\.buffer: bytes \[100000, 100008\) out of bounds/],
    ['buffer length not matching the shape', (d) => { d.tensors[tensorIndex(d, 'fc/bias')].buffer!.byteLength = 4; }, /"fc\/bias"\.buffer\.byteLength: is 4 but shape \[2\] of int32 needs 8/],
    ['truncated blob', (_d, blob) => blob.subarray(0, blob.length - 3), /model\.qgraph\.json: blob: truncated or wrong blob/],
    ['dangling tensor reference', (d) => { d.ops[2].inputs[0] = 999; }, /ops\[2\] "fc" \(FULLY_CONNECTED\)\.inputs\[0\]: dangling tensor reference 999/],
    ['dangling graph output', (d) => { d.outputs = [42]; }, /outputs\[0\]: dangling tensor reference 42/],
    ['cycle', (d) => { d.ops[0].inputs[0] = d.ops[1].outputs[0]; }, /ops\[0\] "conv1" \(CONV_2D\)\.inputs\[0\]: .* produced by this op or a later one: the ops form a cycle/],
    ['tensor produced twice', (d) => { d.ops[1].outputs[0] = d.ops[0].outputs[0]; }, /ops\[1\] "gap" \(MEAN\)\.outputs\[0\]: .* already defined/],
    ['weight of -128', (_d, blob) => { const out = blob.slice(); out[0] = 0x80; return out; }, /"conv1".*weights "conv1\/weights" hold -128 at element 0/],
    ['bad option', (d) => { (d.ops[0].options as { strideH: number }).strideH = 0; }, /ops\[0\] "conv1" \(CONV_2D\)\.options\.strideH: must be an integer in \[1, 64\]/],
    ['unknown dtype', (d) => { (d.tensors[0] as { dtype: string }).dtype = 'int2'; }, /tensors\[0\] "x"\.dtype: unknown dtype "int2"/],
    ['duplicate tensor name', (d) => { d.tensors[1].name = 'x'; }, /tensors\[1\] "x"\.name: duplicate tensor name/],
    ['pow2 graph with a non-power-of-two scale', (d) => { d.quantization.scales = 'pow2'; }, /tensors\[0\] "x"\.quant\.scale\[0\]: power-of-two mode needs scales 2\^-n, got 0\.05/],
    ['unknown rounding', (d) => { (d.quantization as { rounding: string }).rounding = 'banker'; }, /quantization\.rounding: must be "tflm", "single" or "fp32"/],
    ['accumulator overflow', (d, blob) => {
      const bi = tensorIndex(d, 'conv1/bias');
      new DataView(blob.buffer, blob.byteOffset).setInt32(d.tensors[bi].buffer!.offset, 2147483000, true);
      return blob;
    }, /ops\[0\] "conv1" \(CONV_2D\): worst-case accumulator \d+ overflows int32/],
  ];
  for (const [name, edit, message] of cases) {
    it(name, () => {
      const run = mutated(edit);
      expect(run).toThrow(QGraphError);
      expect(run).toThrow(message);
    });
  }
});

describe('QGraph files', () => {
  it('round-trips through save and load, and names the file at fault', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-qgraph-'));
    try {
      const g = validGraph();
      const file = path.join(dir, 'small.qgraph.json');
      await saveQGraph(g, file);
      const back = await loadQGraph(file);
      expect(qgraphDoc(back)).toEqual(qgraphDoc(g));
      expect(Array.from(back.blob)).toEqual(Array.from(g.blob));
      expect((await fs.readdir(dir)).sort()).toEqual(['small.qgraph.bin', 'small.qgraph.json']);
      await expect(loadQGraph(path.join(dir, 'missing.qgraph.json'))).rejects.toThrow(/missing\.qgraph\.json: cannot read QGraph document/);
      await fs.writeFile(path.join(dir, 'bad.qgraph.json'), '{ not json');
      await expect(loadQGraph(path.join(dir, 'bad.qgraph.json'))).rejects.toThrow(/bad\.qgraph\.json: not valid JSON/);
      await fs.writeFile(path.join(dir, 'noblob.qgraph.json'), JSON.stringify(qgraphDoc(g)));
      await expect(loadQGraph(path.join(dir, 'noblob.qgraph.json'))).rejects.toThrow(/noblob\.qgraph\.bin: cannot read QGraph blob/);
      await fs.writeFile(path.join(dir, 'short.qgraph.json'), JSON.stringify(qgraphDoc(g)));
      await fs.writeFile(path.join(dir, 'short.qgraph.bin'), g.blob.subarray(0, 10));
      await expect(loadQGraph(path.join(dir, 'short.qgraph.json'))).rejects.toThrow(/short\.qgraph\.json: blob: truncated/);
      // A blob of the right length from another save (one constant byte changed).
      const other = Uint8Array.from(g.blob);
      other[other.length - 1] ^= 1;
      await fs.writeFile(path.join(dir, 'mixed.qgraph.json'), JSON.stringify(qgraphDoc(g)));
      await fs.writeFile(path.join(dir, 'mixed.qgraph.bin'), other);
      await expect(loadQGraph(path.join(dir, 'mixed.qgraph.json'))).rejects.toThrow(/mixed\.qgraph\.bin: does not belong to .*mixed\.qgraph\.json \(its SHA-256 differs/);
      // The hash is the blob's: recomputed independently here.
      const doc = JSON.parse(await fs.readFile(file, 'utf8'));
      expect(doc.blobSha256).toBe(createHash('sha256').update(g.blob).digest('hex'));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
