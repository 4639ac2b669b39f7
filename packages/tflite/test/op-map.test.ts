// The op map and the schema facts it is built on: each entry names the right TFLite
// operator, options tables shared by several ops have one layout, and schema.ts agrees
// with the test helper's independent transcription of schema.fbs (json-tflite.ts, whose
// files LiteRT.js loads).
import { describe, expect, it } from 'vitest';
import { OP_MAP, OPTIONS_TABLES } from '../src/op-map.js';
import { BuiltinOperator, BuiltinOptions, builtinOperatorName, builtinOptionsName, TensorType } from '../src/schema.js';
import { ENUMS, TABLES, UNION } from './json-tflite.js';

const entries = Object.entries(OP_MAP);

describe('op map', () => {
  it('each entry is the TFLite builtin operator of the same name', () => {
    for (const [type, mapping] of entries) expect(builtinOperatorName(mapping.code), type).toBe(type);
  });

  it('versions, input counts and roles are consistent', () => {
    for (const [type, mapping] of entries) {
      const [fewest, most] = mapping.inputCount;
      expect(fewest, type).toBeGreaterThanOrEqual(1);
      expect(most, type).toBeGreaterThanOrEqual(fewest);
      expect(mapping.exportVersion, type).toBeGreaterThanOrEqual(1);
      expect(mapping.maxImportVersion, type).toBeGreaterThanOrEqual(mapping.exportVersion);
      if (mapping.bias) {
        expect(mapping.weights, `${type}: bias without weights`).toBeDefined();
        expect(mapping.inputTypes?.[mapping.bias.input]?.types, type).toEqual([TensorType.INT32]);
      }
      if (mapping.weights) expect(mapping.weights.input, type).toBeLessThan(most);
    }
  });

  it('an options table used by several ops has one layout, with distinct field slots', () => {
    for (const [type, mapping] of entries) {
      expect(OPTIONS_TABLES.get(mapping.optionsTable.type), type).toEqual(mapping.optionsTable);
      const slots = Object.values(mapping.optionsTable.fields).map((f) => f.slot);
      expect(new Set(slots).size, type).toBe(slots.length);
    }
  });
});

describe('schema.ts = the independent transcription in json-tflite.ts', () => {
  it('builtin operator codes', () => {
    const codes = ENUMS.builtin_code;
    expect(Object.keys(codes).length).toBeGreaterThan(10);
    for (const [name, code] of Object.entries(codes)) expect(BuiltinOperator[name as keyof typeof BuiltinOperator], name).toBe(code);
  });

  it('BuiltinOptions union positions and options table field slots', () => {
    for (const [name, position] of Object.entries(UNION)) {
      expect(BuiltinOptions[name as keyof typeof BuiltinOptions], name).toBe(position);
      expect(builtinOptionsName(position)).toBe(name);
    }
    let compared = 0;
    for (const layout of OPTIONS_TABLES.values()) {
      const theirs = TABLES[builtinOptionsName(layout.type)];
      if (!theirs) continue;
      for (const [field, [slot]] of Object.entries(theirs)) {
        expect(layout.fields[field]?.slot, `${builtinOptionsName(layout.type)}.${field}`).toBe(slot);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});
