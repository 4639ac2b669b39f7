// Done-when 5: bad input gives a TfliteError that names the op / tensor / field, and
// fuzzing the importer with 10,000 mutated files never fails with anything else.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, mulberry32, randomGraph, validateQGraph } from '@edgeq/ir';
import { exportTflite, importTflite, TfliteError } from '../src/index.js';
import { tfliteFromJson } from './json-tflite.js';
import { externalModelJson } from './external-model.js';
import { TFLITE_GRAPHS } from './random-graph-options.js';
import { importError, patched } from './import-helpers.js';


describe('importTflite refuses bad input with errors that say where', () => {
  it('non-TFLite bytes', () => {
    expect(importError(new Uint8Array(0)).message).toMatch(/^bad\.tflite: not a TFLite file/);
    expect(importError(new TextEncoder().encode('{"format": "edgeq.qgraph", "version": 1}')).message).toMatch(/not a TFLite file: file identifier is/);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
    expect(importError(png, 'cat.png').message).toMatch(/^cat\.png: not a TFLite file/);
  });

  it('truncated files (every cut of a small model)', () => {
    const bytes = exportTflite(randomGraph(3, TFLITE_GRAPHS));
    for (let cut = 0; cut < bytes.length; cut += 7) {
      const e = importError(bytes.subarray(0, cut), 'cut.tflite');
      expect(e.message).toMatch(/^cut\.tflite: .*(not a TFLite file|truncated or corrupt|out of range|must|expected|unsupported)/);
    }
  });

  it('schema version other than 3', () => {
    expect(importError(patched((m) => { m.version = 2; })).message).toContain('model.version: unsupported TFLite schema version 2');
  });

  it('unsupported op, custom op, op version', () => {
    const mul = importError(patched((m) => { m.operator_codes[4] = { builtin_code: 'MUL', deprecated_builtin_code: 18 }; }));
    expect(mul.message).toContain('operators[4] (MUL): operator MUL is not supported');
    const custom = importError(patched((m) => { m.operator_codes[1] = { builtin_code: 'CUSTOM', deprecated_builtin_code: 32, custom_code: 'TFLite_Detection_PostProcess' }; }));
    expect(custom.message).toContain('operators[1] (CUSTOM): custom operator "TFLite_Detection_PostProcess" is not supported');
    // TFLite's runtime registers CONV_2D versions 1 to 8 (register.cc); 9 is beyond them.
    const v9 = importError(patched((m) => { m.operator_codes[1].version = 9; }));
    expect(v9.message).toContain("operators[1] (CONV_2D): CONV_2D version 9 is not supported (edgeq imports versions 1 to 8, those TFLite's runtime registers)");
  });

  it('fused activation TFLite has but edgeq does not', () => {
    const e = importError(patched((m) => { m.subgraphs[0].operators[1].builtin_options.fused_activation_function = 'TANH'; }));
    expect(e.message).toContain('operators[1] (CONV_2D).builtin_options.fused_activation_function: fused activation TANH is not supported');
  });

  it('float or int16 tensors where int8 is needed', () => {
    const f = importError(patched((m) => { m.subgraphs[0].tensors[4].type = 'FLOAT32'; }));
    expect(f.message).toContain('operators[1] (CONV_2D) output tensors[4] "conv/relu6": is FLOAT32, edgeq needs INT8 here');
    const i16 = importError(patched((m) => { m.subgraphs[0].tensors[5].type = 'INT16'; }));
    expect(i16.message).toContain('operators[2] (DEPTHWISE_CONV_2D) weights tensors[5] "dw/weights": is INT16, edgeq needs INT8 or INT4 here');
  });

  it('per-channel arrays of the wrong length or on the wrong dimension', () => {
    const len = importError(patched((m) => { const qz = m.subgraphs[0].tensors[2].quantization; qz.scale = qz.scale.slice(0, 3); qz.zero_point = [0, 0, 0]; }));
    expect(len.message).toContain('tensors[2] "conv/weights".quantization.scale: per-channel array has 3 entries but dimension 0 of shape [4, 3, 3, 1] has 4');
    const dim = importError(patched((m) => { m.subgraphs[0].tensors[5].quantization.quantized_dimension = 0; }));
    expect(dim.message).toContain('tensors[5] "dw/weights".quantization.scale: per-channel array has 4 entries but dimension 0 of shape [1, 3, 3, 4] has 1');
    const zp = importError(patched((m) => { m.subgraphs[0].tensors[2].quantization.zero_point = [0, 0]; }));
    expect(zp.message).toContain('tensors[2] "conv/weights".quantization.zero_point: has 2 entries, scale has 4');
  });

  it('bias scale that is not s_in · s_w', () => {
    const e = importError(patched((m) => { m.subgraphs[0].tensors[3].quantization.scale[1] *= 1.01; }));
    expect(e.message).toMatch(/operators\[1\] \(CONV_2D\) bias tensors\[3\] "conv\/bias"\.quantization\.scale\[1\]: is .* but TFLite requires input scale × weight scale/);
  });

  it('buffer and tensor indices out of range; buffer of the wrong size', () => {
    const buf = importError(patched((m) => { m.subgraphs[0].tensors[2].buffer = 99; }));
    expect(buf.message).toContain('tensors[2] "conv/weights".buffer: buffer index 99 out of range (model has 8 buffers)');
    const idx = importError(patched((m) => { m.subgraphs[0].operators[3].inputs = [7, 42]; }));
    expect(idx.message).toContain('operators[3] (MEAN).inputs[1]: tensor index 42 out of range (subgraph has 15 tensors)');
    const size = importError(patched((m) => { m.buffers[1].data = m.buffers[1].data.slice(0, 30); }));
    expect(size.message).toContain('tensors[2] "conv/weights": buffer 1 holds 30 bytes but shape [4, 3, 3, 1] of INT8 needs 36');
    const opc = importError(patched((m) => { m.subgraphs[0].operators[2].opcode_index = 12; }));
    expect(opc.message).toContain('operators[2].opcode_index: opcode index 12 out of range (model has 7 operator codes)');
  });

  it('exports refuse what TFLite cannot express (requantising CONCATENATION)', () => {
    const g = randomGraph(1, TFLITE_GRAPHS); // a graph with a CONCATENATION
    const op = g.ops.find((o) => o.type === 'CONCATENATION')!;
    g.tensors[op.outputs[0]].quant = { scale: [0.5], zeroPoint: [0] };
    expect(() => exportTflite(g)).toThrow(/CONCATENATION\) inputs\[0\] .*TFLite's int8 CONCATENATION does not requantise/);
  });
});

describe('fuzzing the importer', () => {
  it('10,000 mutated files: only TfliteErrors, and whatever imports is a valid QGraph', () => {
    const seeds = [
      exportTflite(buildReferenceModel('dscnn')),
      tfliteFromJson(externalModelJson()),
      ...[1, 2, 3, 4, 6, 8].map((s) => exportTflite(randomGraph(s, TFLITE_GRAPHS))),
    ];
    const rand = mulberry32(2024);
    const int = (n: number) => Math.floor(rand() * n);
    let clean = 0;
    let imported = 0;
    for (let k = 0; k < 10_000; k++) {
      const base = seeds[k % 7 === 0 ? 0 : 1 + (k % (seeds.length - 1))];
      const bytes = base.slice();
      const kind = int(5);
      if (kind === 0) for (let m = 1 + int(8); m > 0; m--) bytes[int(bytes.length)] = int(256); // random bytes
      else if (kind === 1) for (let m = 1 + int(3); m > 0; m--) bytes[int(bytes.length)] ^= 1 << int(8); // bit flips
      else if (kind === 2) { // a random 32-bit word: offsets, lengths, indices
        const at = int(bytes.length - 4) & ~3;
        new DataView(bytes.buffer).setUint32(at, [0, 0xffffffff, 0x7fffffff, int(2 ** 32), int(bytes.length)][int(5)], true);
      } else if (kind === 3) { // truncate, then maybe flip
        const cut = bytes.subarray(0, int(bytes.length));
        if (cut.length && rand() < 0.5) cut[int(cut.length)] ^= 0xff;
        try { importTflite(cut, `fuzz-${k}.tflite`); imported++; } catch (e) { if (!(e instanceof TfliteError)) throw new Error(`fuzz case ${k}: ${(e as Error).stack}`); clean++; }
        continue;
      } else { // splice a copy of a random chunk elsewhere
        const from = int(bytes.length);
        const len = int(64);
        bytes.copyWithin(int(bytes.length), from, Math.min(bytes.length, from + len));
      }
      try {
        const g = importTflite(bytes, `fuzz-${k}.tflite`);
        validateQGraph(g);
        imported++;
      } catch (e) {
        if (!(e instanceof TfliteError)) throw new Error(`fuzz case ${k} (mutation ${kind}): ${(e as Error)?.stack ?? String(e)}`);
        expect(e.message.startsWith(`fuzz-${k}.tflite: `)).toBe(true);
        clean++;
      }
    }
    console.log(`fuzz: 10000 mutated files, ${clean} clean TfliteErrors, ${imported} still imported as valid QGraphs`);
    expect(clean + imported).toBe(10_000);
    expect(clean).toBeGreaterThan(1000);
  });
});
