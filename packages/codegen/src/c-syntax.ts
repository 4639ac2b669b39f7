/**
 * Safe C text from untrusted graph strings: identifiers built only from sanitised names,
 * comments that cannot close themselves or smuggle directives, and number literals that
 * round-trip exactly. No string from a QGraph reaches generated C any other way.
 */

/** A valid C identifier fragment from any string: [A-Za-z0-9_], never starting with a digit. */
export function sanitizeIdentifier(name: string, maxLength = 40): string {
  let s = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (!s) s = 'x';
  if (/^[0-9]/.test(s)) s = `n${s}`;
  return s.slice(0, maxLength);
}

/**
 * The generated API's prefix from a model name or a user's choice: a sanitised identifier
 * that cannot collide with the runtime's names (edgeq_* functions and types, EDGEQ_* macros,
 * in any case) nor be a C keyword; such a name gets `m_` in front (`edgeq` → `m_edgeq`).
 */
export function apiPrefix(name: string): string {
  const s = sanitizeIdentifier(name, 32);
  return /^edgeq/i.test(s) || C_RESERVED.includes(s) ? `m_${s}` : s;
}

/** The functions and objects every generated model defines as `<prefix>_<name>` (templates/model.*.hbs). */
const MODEL_API_NAMES = ['invoke', 'input', 'output', 'quantize_input', 'dequantize_output', 'op_names', 'arena'];

/**
 * Hands out unique identifiers `<prefix><sanitised name>`, suffixed on collision with an
 * earlier one, a C keyword or the model API's own names.
 */
export class IdentifierTable {
  private used = new Set<string>(C_RESERVED);
  constructor(private readonly prefix: string) {
    for (const name of MODEL_API_NAMES) this.used.add(`${prefix}${name}`);
  }

  make(name: string): string {
    const base = `${this.prefix}${sanitizeIdentifier(name)}`;
    let id = base;
    for (let k = 2; this.used.has(id); k++) id = `${base}_${k}`;
    this.used.add(id);
    return id;
  }
}

const C_RESERVED = [
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
  'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
  'volatile', 'while', 'main',
];

/**
 * Text safe inside a C block comment: printable ASCII letters, digits and a few
 * punctuation marks only; everything else (quotes, backslashes, newlines, `*`, `#`,
 * `?`, non-ASCII) becomes `_`. So `*∕`, `#include`, trigraphs and line splices cannot occur.
 */
export function commentText(s: string, maxLength = 80): string {
  return s.replace(/[^A-Za-z0-9 _.:,+=()[\]-]/g, '_').slice(0, maxLength);
}

/** Format integers as C array initialiser lines. */
export function intArrayBody(values: ArrayLike<number>, perLine = 16, suffix = ''): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const chunk: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) chunk.push(intLiteral(values[j], suffix));
    lines.push('  ' + chunk.join(', '));
  }
  return lines.join(',\n');
}

/** An int32 literal valid in C99 even for INT32_MIN. */
export function intLiteral(v: number, suffix = ''): string {
  if (v === -2147483648) return '(-2147483647 - 1)';
  return `${v}${suffix}`;
}

/** A float literal that converts back to exactly the same float32 value. */
export function floatLiteral(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new RangeError(`cannot emit non-finite float ${v}`);
  let s = f.toPrecision(9);
  if (!/[.e]/.test(s)) s += '.0';
  return `${s}f`;
}
