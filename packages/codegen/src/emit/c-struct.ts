/**
 * C parameter structs described once, in TypeScript. An op emitter describes each struct
 * it passes to runtime-c (its C type name and its fields with their C types); this module
 * turns a description plus values into the C initialiser text, and computes the struct's
 * size and alignment for an ABI, so the constant bytes codegen reports are the real
 * `sizeof` on the target. The sizeof check in packages/runtime-c/test compares these
 * figures with what gcc and arm-none-eabi-gcc say about include/edgeq.h.
 */

import { intLiteral } from '../c-syntax.js';

/** C scalar types a described struct or a const array may hold. */
export type CScalarType = 'int8_t' | 'uint8_t' | 'int16_t' | 'int32_t' | 'uint32_t';

/** Bytes of each C scalar type (the same on every supported ABI). */
export const C_SCALAR_BYTES: Readonly<Record<CScalarType, number>> = { int8_t: 1, uint8_t: 1, int16_t: 2, int32_t: 4, uint32_t: 4 };

/** A C enum typedef: its name and its constants' values (they decide its size on arm32). */
export interface CEnumDescription {
  readonly typeName: string;
  readonly values: Readonly<Record<string, number>>;
}

/** The C type of one struct field. */
export type CFieldType =
  | { readonly kind: 'scalar'; readonly scalar: CScalarType }
  | { readonly kind: 'enum'; readonly enumType: CEnumDescription }
  /** `const T *`. */
  | { readonly kind: 'const-pointer'; readonly pointee: string }
  /** A struct stored by value. */
  | { readonly kind: 'struct'; readonly struct: CStructDescription };

/** One field: its C name and C type, in declaration order. */
export interface CField {
  readonly name: string;
  readonly type: CFieldType;
}

/** A C struct typedef as declared in runtime-c's edgeq.h. */
export interface CStructDescription {
  /** The typedef name, e.g. `edgeq_conv_params`. */
  readonly typeName: string;
  readonly fields: readonly CField[];
}

/**
 * A field value: a number (an integer, rendered exactly), a C expression (an identifier,
 * an enum constant or an address), or the values of a nested struct.
 */
export type CValue = number | string | CStructValues;
/** Values by field name; every field of the description must have one, and no other. */
export interface CStructValues {
  readonly [field: string]: CValue;
}

/** `int32_t` and the other scalar types. */
export const scalarField = (name: string, scalar: CScalarType): CField => ({ name, type: { kind: 'scalar', scalar } });
/** Several `int32_t` fields. */
export const int32Fields = (...names: string[]): CField[] => names.map((n) => scalarField(n, 'int32_t'));
/** A field of a C enum type. */
export const enumField = (name: string, enumType: CEnumDescription): CField => ({ name, type: { kind: 'enum', enumType } });
/** A `const pointee *` field. */
export const constPointerField = (name: string, pointee: string): CField => ({ name, type: { kind: 'const-pointer', pointee } });
/** A nested struct field. */
export const structField = (name: string, struct: CStructDescription): CField => ({ name, type: { kind: 'struct', struct } });

/**
 * `arm32`: 32-bit Cortex-M AAPCS as arm-none-eabi-gcc builds the firmware (pointers 4 bytes;
 * short enums, its default: an enum takes the smallest of 1, 2, 4 bytes that holds its
 * values); `host64`: x86-64 System V (host builds; pointers 8 bytes, enums 4).
 */
export type CAbi = 'arm32' | 'host64';
/** The ABI whose sizes codegen reports as constant bytes. */
export const FIRMWARE_ABI: CAbi = 'arm32';

const POINTER_BYTES: Readonly<Record<CAbi, number>> = { arm32: 4, host64: 8 };

function enumBytes(desc: CEnumDescription, abi: CAbi): number {
  if (abi === 'host64') return 4;
  const values = Object.values(desc.values);
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const fits = (bits: number) => (low >= 0 ? high < 2 ** bits : low >= -(2 ** (bits - 1)) && high < 2 ** (bits - 1));
  return fits(8) ? 1 : fits(16) ? 2 : 4;
}

/** Size, alignment and field placement of a struct on one ABI. */
export interface CStructLayout {
  size: number;
  align: number;
  /** Offset and size of each field, by name. */
  fields: Readonly<Record<string, { offset: number; size: number }>>;
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

function fieldLayout(type: CFieldType, abi: CAbi): { size: number; align: number } {
  switch (type.kind) {
    case 'scalar':
      return { size: C_SCALAR_BYTES[type.scalar], align: C_SCALAR_BYTES[type.scalar] };
    case 'enum': {
      const bytes = enumBytes(type.enumType, abi);
      return { size: bytes, align: bytes };
    }
    case 'const-pointer':
      return { size: POINTER_BYTES[abi], align: POINTER_BYTES[abi] };
    case 'struct':
      return structLayout(type.struct, abi);
  }
}

/**
 * Layout of a described struct: natural alignment of every field, the struct aligned to its
 * most aligned field and padded to a multiple of that alignment (what `sizeof` gives).
 */
export function structLayout(desc: CStructDescription, abi: CAbi): CStructLayout {
  let offset = 0;
  let align = 1;
  const fields: Record<string, { offset: number; size: number }> = {};
  for (const f of desc.fields) {
    const l = fieldLayout(f.type, abi);
    offset = roundUp(offset, l.align);
    fields[f.name] = { offset, size: l.size };
    offset += l.size;
    align = Math.max(align, l.align);
  }
  return { size: roundUp(offset, align), align, fields };
}

/** Bytes of one struct on the firmware ABI (what a const of this type costs in flash). */
export const firmwareSizeof = (desc: CStructDescription): number => structLayout(desc, FIRMWARE_ABI).size;

/** Every struct a description uses: itself and, first, the structs nested in it (depth first). */
export function nestedStructs(desc: CStructDescription): CStructDescription[] {
  const nested = desc.fields.flatMap((f) => (f.type.kind === 'struct' ? nestedStructs(f.type.struct) : []));
  return [...nested, desc];
}

function fieldValueText(desc: CStructDescription, field: CField, value: CValue | undefined): string {
  const where = `${desc.typeName}.${field.name}`;
  if (value === undefined) throw new Error(`codegen: no value for ${where}`);
  if (field.type.kind === 'struct') {
    if (typeof value !== 'object') throw new Error(`codegen: ${where} is a ${field.type.struct.typeName}, not ${String(value)}`);
    return positionalInitializer(field.type.struct, value);
  }
  if (typeof value === 'object') throw new Error(`codegen: ${where} is not a struct`);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`codegen: ${where} = ${value} is not an integer`);
    return intLiteral(value);
  }
  return value;
}

function checkValues(desc: CStructDescription, values: CStructValues): void {
  const known = new Set(desc.fields.map((f) => f.name));
  for (const k of Object.keys(values)) if (!known.has(k)) throw new Error(`codegen: ${desc.typeName} has no field ${k}`);
}

/** `{ v1, v2, ... }` in declaration order (nested structs and array rows). */
export function positionalInitializer(desc: CStructDescription, values: CStructValues): string {
  checkValues(desc, values);
  return `{ ${desc.fields.map((f) => fieldValueText(desc, f, values[f.name])).join(', ')} }`;
}

/** `static const T id = { .field = value, ... };` with designated initialisers. */
export function structConstant(desc: CStructDescription, id: string, values: CStructValues): string {
  checkValues(desc, values);
  const fields = desc.fields.map((f) => `.${f.name} = ${fieldValueText(desc, f, values[f.name])}`);
  return `static const ${desc.typeName} ${id} EDGEQ_CONST_PLACEMENT = {\n  ${fields.join(',\n  ')}\n};`;
}

/** `static const T id[n] = { { ... }, ... };`, one row per element. */
export function structArrayConstant(desc: CStructDescription, id: string, rows: readonly CStructValues[]): string {
  return `static const ${desc.typeName} ${id}[${rows.length}] EDGEQ_CONST_PLACEMENT = {\n${rows.map((r) => `  ${positionalInitializer(desc, r)}`).join(',\n')}\n};`;
}
