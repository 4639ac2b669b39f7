// bench/lib/cmsis-nn-figures.ts: the CMSIS-NN figures file is checked field by field, a
// record is matched by model, core and gcc level (no level = O2, as files written before
// -Os was measured), and the ratios put beside edgeq's are edgeq / CMSIS-NN.
import { describe, expect, it } from 'vitest';
import { attachCmsisNn, compareWithCmsisNn, findCmsisNnRecord, parseCmsisNnFigures } from '../bench/lib/cmsis-nn-figures.js';

const FILE = JSON.stringify({
  commit: '99f736a6',
  records: [
    { model: 'ad01_int8', core: 'cortex-m3', instructions: 953780 },
    { model: 'dscnn', core: 'cortex-m3', opt: 'O2', instructions: 2000, per_op: [{ name: 'conv1', instructions: 1500 }, { name: 'gap', instructions: 500 }] },
    { model: 'dscnn', core: 'cortex-m3', opt: 'Os', instructions: 3000 },
  ],
});

describe('CMSIS-NN figures for bench/mcu-mlperf.ts', () => {
  it('matches by model, core and gcc level; a record without a level is -O2', () => {
    const figures = parseCmsisNnFigures(FILE, 'f.json');
    expect(findCmsisNnRecord(figures, 'dscnn', 'cortex-m3', 'Os')?.instructions).toBe(3000);
    expect(findCmsisNnRecord(figures, 'dscnn', 'cortex-m3', 'O2')?.instructions).toBe(2000);
    expect(findCmsisNnRecord(figures, 'ad01_int8', 'cortex-m3', 'O2')?.instructions).toBe(953780);
    expect(findCmsisNnRecord(figures, 'ad01_int8', 'cortex-m3', 'Os')).toBeUndefined();
    expect(findCmsisNnRecord(figures, 'dscnn', 'cortex-m4', 'O2')).toBeUndefined();
  });

  it('cortex-m0-mps2 runs the microbit\'s ARMv6-M code: its own record first, else the microbit\'s; no other core stands in', () => {
    const figures = parseCmsisNnFigures(JSON.stringify({
      commit: 'c',
      records: [
        { model: 'kws', core: 'cortex-m0', instructions: 10 }, { model: 'vww', core: 'cortex-m0', instructions: 20 },
        { model: 'vww', core: 'cortex-m0-mps2', instructions: 21 }, { model: 'ad01', core: 'cortex-m3', instructions: 30 },
        { model: 'resnet', core: 'cortex-m0', instructions: 40 }, { model: 'resnet', core: 'cortex-m0-on-mps2-an385', instructions: 41 },
      ],
    }), 'f.json');
    expect(findCmsisNnRecord(figures, 'kws', 'cortex-m0-mps2', 'O2')?.instructions).toBe(10);
    expect(findCmsisNnRecord(figures, 'vww', 'cortex-m0-mps2', 'O2')?.instructions).toBe(21);
    expect(findCmsisNnRecord(figures, 'ad01', 'cortex-m0-mps2', 'O2')).toBeUndefined();
    // CMSIS-NN's M0 code measured on the AN385 board comes before the microbit's record.
    expect(findCmsisNnRecord(figures, 'resnet', 'cortex-m0-mps2', 'O2')?.instructions).toBe(41);
    expect(findCmsisNnRecord(figures, 'resnet', 'cortex-m0', 'O2')?.instructions).toBe(40);
    expect(findCmsisNnRecord(figures, 'vww', 'cortex-m3', 'O2')).toBeUndefined();
  });

  it('gives edgeq / CMSIS-NN for the inference and CMSIS-NN per op by op name', () => {
    const figures = parseCmsisNnFigures(FILE, 'f.json');
    const record = findCmsisNnRecord(figures, 'dscnn', 'cortex-m3', 'O2')!;
    // 1,600 / 2,000 = 0.8; the op "softmax" has no CMSIS-NN figure in the file.
    const c = compareWithCmsisNn(1600, [{ name: 'gap' }, { name: 'conv1' }, { name: 'softmax' }], record, figures.commit);
    expect(c).toEqual({ instructions: 2000, commit: '99f736a6', ratio: 0.8, perOp: [500, 1500, undefined] });
  });

  it('refuses a file with a missing or wrong field, naming the file, record and field', () => {
    expect(() => parseCmsisNnFigures('{"records": []}', 'f.json')).toThrow('f.json: field "commit": missing');
    expect(() => parseCmsisNnFigures('{"commit": "x"}', 'f.json')).toThrow('f.json: field "records": missing or not an array');
    expect(() => parseCmsisNnFigures('{"commit": "x", "records": [{"model": "m", "core": "c"}]}', 'f.json'))
      .toThrow('f.json: records[0].instructions: missing or not a positive number');
    expect(() => parseCmsisNnFigures('{"commit": "x", "records": [{"model": "m", "core": "c", "instructions": 5, "opt": "-O2"}]}', 'f.json'))
      .toThrow('f.json: records[0].opt: "-O2" is not a gcc level');
    expect(() => parseCmsisNnFigures('{"commit": "x", "records": [{"model": "m", "core": "c", "instructions": 5, "per_op": [{"name": "a"}]}]}', 'f.json'))
      .toThrow('f.json: records[0].per_op[0]: needs a name and a number of instructions');
    expect(() => parseCmsisNnFigures('not json', 'f.json')).toThrow('f.json: file: not JSON');
  });

  it('attaches CMSIS-NN to a bench record by its gcc flag, and removes stale figures when none match', () => {
    const figures = parseCmsisNnFigures(FILE, 'f.json');
    const measured = { model: 'dscnn', core: 'cortex-m3', gcc: '-O2', instructions: 2400, per_op: [{ name: 'conv1', instructions: 1800 }, { name: 'gap', instructions: 600 }] };
    const attached = attachCmsisNn(measured, figures);
    // 2,400 / 2,000 = 1.2; 1,800 / 1,500 = 1.2; 600 / 500 = 1.2.
    expect(attached).toEqual({
      ...measured,
      per_op: [{ name: 'conv1', instructions: 1800, cmsis_nn_instructions: 1500, cmsis_nn_ratio: 1.2 }, { name: 'gap', instructions: 600, cmsis_nn_instructions: 500, cmsis_nn_ratio: 1.2 }],
      cmsis_nn: { instructions: 2000, commit: '99f736a6', ratio: 1.2 },
    });
    // The same record at -O3, which the file does not hold: back to the measured fields only.
    expect(attachCmsisNn({ ...attached, gcc: '-O3' }, figures)).toEqual({ ...measured, gcc: '-O3' });
  });
});
