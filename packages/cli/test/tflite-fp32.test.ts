// Issue 13, Done-when 3: an int8 .tflite written as converters write it today (FULLY_CONNECTED
// at version 12, no edgeq metadata) imports through the CLI and, with `--rounding fp32`, computes
// bit for bit what LiteRT.js (TFLite's own runtime, the project's oracle) computes; the generated
// C agrees with the interpreter on the same vectors. `--rounding fp32` is accepted wherever
// `--rounding` is.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, GraphBuilder, mulberry32, numElements, q, saveQGraph } from '@edgeq/ir';
import { exportTflite, LiteRtModel, readTfliteModel, writeTfliteModel } from '@edgeq/tflite';
import { encodeNpy } from '../src/inputs/npy.js';
import { edgeq, entries, scratch } from './helpers.js';

const VECTORS = 24;
/** BuiltinOperator FULLY_CONNECTED (schema.fbs). */
const FULLY_CONNECTED = 9;

/**
 * The fixture: edgeq's export of the dscnn reference model, with two edits that make it look
 * like a file from a current TFLite converter: the FULLY_CONNECTED operator code's version set
 * to 12 (what the converter writes once any FULLY_CONNECTED of a model is hybrid per-channel;
 * the int8 kernel is the same) and edgeq's metadata removed, so nothing in the file says which
 * rounding edgeq exported it with.
 */
function converterStyleFile(): Uint8Array {
  const m = readTfliteModel(exportTflite(buildReferenceModel('dscnn', { scales: 'fixed', rounding: 'tflm' }, 7)));
  const fc = m.operatorCodes.find((c) => c.builtinCode === FULLY_CONNECTED)!;
  fc.version = 12;
  m.metadata = [];
  return writeTfliteModel(m);
}

describe('--rounding fp32 on a converter-made FULLY_CONNECTED v12 .tflite', () => {
  it('imports, equals LiteRT.js bit for bit in the interpreter (simulate), and the C equals the interpreter (parity)', async () => {
    const cwd = scratch('tflite-fp32');
    const file = converterStyleFile();
    const read = readTfliteModel(file);
    expect(read.operatorCodes.find((c) => c.builtinCode === FULLY_CONNECTED)!.version).toBe(12);
    expect(read.metadata).toEqual([]);
    writeFileSync(path.join(cwd, 'dscnn_v12.tflite'), file);

    // Seeded int8 input vectors (the .npy's int8 values are taken as already quantised).
    const shape = [1, 28, 28, 1];
    const n = numElements(shape);
    const rand = mulberry32(1313);
    const inputs = Array.from({ length: VECTORS }, () => Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128));
    const all = new Int8Array(VECTORS * n);
    inputs.forEach((x, k) => all.set(x, k * n));
    writeFileSync(path.join(cwd, 'inputs.npy'), encodeNpy(all, [VECTORS, 28, 28, 1]));

    // LiteRT.js on the very file the CLI reads.
    const lite = await LiteRtModel.load(file, 'dscnn_v12.tflite');
    const expected: Int8Array[] = [];
    try {
      for (const x of inputs) expected.push((await lite.run([x]))[0] as Int8Array);
    } finally {
      lite.delete();
    }

    const sim = await edgeq(['simulate', 'dscnn_v12.tflite', '--rounding', 'fp32', '--data', 'inputs.npy', '--dump-layers', 'layers', '--dump-count', String(VECTORS)], cwd);
    expect(sim.exitCode, sim.stderr).toBe(0);
    const index = JSON.parse(readFileSync(path.join(cwd, 'layers', 'index.json'), 'utf8')) as { layers: { file: string; type: string }[] };
    const last = index.layers[index.layers.length - 1];
    expect(last.type).toBe('SOFTMAX');
    let elements = 0;
    for (let k = 0; k < VECTORS; k++) {
      const npy = readFileSync(path.join(cwd, 'layers', `sample${k}`, last.file));
      const ours = new Int8Array(npy.buffer, npy.byteOffset + npy.length - expected[k].length, expected[k].length);
      expect(Array.from(ours), `vector ${k}`).toEqual(Array.from(expected[k]));
      elements += ours.length;
    }
    expect(elements).toBe(VECTORS * 10);

    const parity = await edgeq(['parity', 'dscnn_v12.tflite', '--rounding', 'fp32', '--data', 'inputs.npy'], cwd);
    expect(parity.exitCode, parity.stderr).toBe(0);
    expect(parity.stdout.trim()).toBe(`parity: ${VECTORS}/${VECTORS} bit-exact on host (gcc)`);
  });
});

describe('--rounding fp32 wherever --rounding is', () => {
  it('every command with --rounding lists fp32 in its help', async () => {
    const cwd = scratch('rounding-help');
    const commands = ['generate', 'parity', 'simulate', 'bench', 'ptq', 'qat', 'freeze'];
    const helps = await Promise.all(commands.map((command) => edgeq([command, '--help'], cwd)));
    for (const [k, command] of commands.entries()) {
      const r = helps[k];
      expect(r.exitCode, command).toBe(0);
      expect(r.stdout.replace(/\s+/g, ' '), command).toMatch(/--rounding <mode> .*fp32 .*\(choices: "tflm", "single", "fp32"/);
    }
  });

  it('generate records fp32 in its manifest; fp32 with pow2 scales is a usage error before any work', async () => {
    const cwd = scratch('rounding-fp32');
    const g = await edgeq(['--json', 'generate', 'dscnn', '--rounding', 'fp32', '--out', 'fw'], cwd);
    expect(g.exitCode, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ ok: true, quantization: { scales: 'fixed', rounding: 'fp32' } });
    await saveQGraph(buildReferenceModel('dscnn', { scales: 'pow2', rounding: 'tflm' }), path.join(cwd, 'pow2.qgraph.json'));
    const cases: [string[], string][] = [
      [['generate', 'dscnn', '--scales', 'pow2', '--rounding', 'fp32', '--out', 'fw2'], '(--scales pow2)'],
      [['simulate', 'pow2.qgraph.json', '--rounding', 'fp32', '--data', 'none.npy'], '(pow2.qgraph.json has pow2 scales)'],
      [['ptq', 'dscnn', '--scales', 'pow2', '--rounding', 'fp32', '--out', 'p.qgraph.json'], '(--scales pow2)'],
    ];
    const runs = await Promise.all(cases.map(([args]) => edgeq(args, cwd)));
    for (const [k, [args, source]] of cases.entries()) {
      const r = runs[k];
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe(`edgeq ${args[0]}: --rounding fp32: rounds a float32 multiplier, which only fixed scales have ${source}`);
    }
    expect(entries(cwd)).toEqual(['fw', 'pow2.qgraph.bin', 'pow2.qgraph.json']);
  });
});

describe('simulate --dump-layers with op names as TFLite converters write them', () => {
  it('a 300-character op name gives a file name under NAME_MAX, index.json keeps the op', async () => {
    const cwd = scratch('dump-long-names');
    const name = `functional_1/batch_normalization_1/FusedBatchNormV3;${'functional_1/depthwise_conv2d/BiasAdd;'.repeat(7)}`;
    expect(name.length).toBeGreaterThan(255);
    const b = new GraphBuilder('long_names', { scales: 'fixed', rounding: 'tflm' });
    const x = b.input('x', [1, 8], q(0.05, 0));
    b.output(b.fullyConnected(x, { name, weights: new Int8Array(32).fill(3), weightShape: [4, 8], weightScales: [0.01, 0.01, 0.01, 0.01], bias: new Int32Array(4), out: q(0.5, 0) }));
    await saveQGraph(b.build(), path.join(cwd, 'long.qgraph.json'));
    writeFileSync(path.join(cwd, 'x.npy'), encodeNpy(new Int8Array(16).fill(5), [2, 8]));
    const r = await edgeq(['simulate', 'long.qgraph.json', '--data', 'x.npy', '--dump-layers', 'layers'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(path.join(cwd, 'layers', 'index.json'), 'utf8')) as { layers: { file: string; name: string }[] };
    expect(index.layers[0].name).toBe(name);
    expect(index.layers[0].file.length).toBeLessThan(255);
    expect(readFileSync(path.join(cwd, 'layers', 'sample0', index.layers[0].file)).length).toBeGreaterThan(4);
  });
});

