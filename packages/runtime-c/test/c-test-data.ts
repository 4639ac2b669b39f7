/**
 * The checked-in test data of runtime-c (test/data/*.json, written by generate-test-data.ts
 * from the interpreter) and its rendering to the C headers test/c/run_cases.c compiles
 * against: one header per suite (its arrays, parameter structs and edgeq_test_case table),
 * buffer_sizes.h, and cases.h listing every suite. The JSON holds only data: typed arrays,
 * struct field values and the names that bind them to a case.
 */

/** One C object of a case: an array, a struct (designated fields) or a table (array of structs, positional fields). */
export type Declaration =
  | { array: string; id: string; values: number[] }
  | { struct: string; id: string; fields: Record<string, string | number> }
  | { table: string; id: string; rows: Array<Array<string | number>> };

/** Fields of the case's edgeq_test_case entry (values are C expressions or numbers). */
export type CaseEntry = Record<string, string | number>;

/** One kernel's cases (test/data/<suite>.json). */
export interface SuiteData {
  suite: string;
  /** edgeq_test_kernel enumerator of the runner. */
  kernel: string;
  cases: Array<{ name: string; declarations: Declaration[]; entry: CaseEntry }>;
}

/** Fast-kernel parameter structs with the scratch bytes codegen plans for them (test/data/buffer_sizes.json). */
export interface BufferSizeData {
  shapes: Array<{ kernel: 'conv_im2col' | 'depthwise_conv_3x3' | 'depthwise_conv_rows'; params: Declaration; plannedBytes: number }>;
}

const HEADER = '/* Rendered from test/data (generate-test-data.ts, from the @edgeq/ir interpreter): do not edit. */\n';

function literal(type: string, v: string | number): string {
  if (typeof v === 'string') return v;
  if (type === 'uint32_t') return `${v >>> 0}u`;
  return v === -2147483648 ? '(-2147483647 - 1)' : String(v);
}

/** C text of one declaration. */
export function renderDeclaration(d: Declaration): string {
  if ('array' in d) {
    const items = d.values.map((v) => literal(d.array, v));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += 16) lines.push(`  ${items.slice(i, i + 16).join(', ')}`);
    return `static const ${d.array} ${d.id}[${Math.max(1, items.length)}] = {\n${lines.join(',\n') || '  0'}\n};`;
  }
  if ('struct' in d) {
    const body = Object.entries(d.fields).map(([k, v]) => `  .${k} = ${literal('int32_t', v)}`).join(',\n');
    return `static const ${d.struct} ${d.id} = {\n${body}\n};`;
  }
  const rows = d.rows.map((r) => `  { ${r.map((v) => literal('int32_t', v)).join(', ')} }`);
  return `static const ${d.table} ${d.id}[${rows.length}] = {\n${rows.join(',\n')}\n};`;
}

function guarded(name: string, body: string): string {
  const guard = `EDGEQ_TEST_DATA_${name.toUpperCase()}_H`;
  return `${HEADER}#ifndef ${guard}\n#define ${guard}\n\n${body}\n#endif\n`;
}

function entry(kernel: string, name: string, fields: CaseEntry): string {
  const rest = Object.entries(fields).map(([k, v]) => `.${k} = ${typeof v === 'string' ? v : String(v)}`);
  return `  { .kernel = ${kernel}, .name = ${JSON.stringify(name)}, ${rest.join(', ')} }`;
}

/** The C headers (file name -> text) for the given suites and buffer-size shapes. */
export function renderHeaders(suites: SuiteData[], bufferSizes: BufferSizeData): Map<string, string> {
  const files = new Map<string, string>();
  for (const s of suites) {
    const objects = s.cases.map((c) => `/* ${c.name} */\n${c.declarations.map(renderDeclaration).join('\n')}\n`);
    const table = s.cases.map((c) => entry(s.kernel, c.name, c.entry));
    files.set(`${s.suite}.h`, guarded(s.suite, `${objects.join('\n')}\nstatic const edgeq_test_case ${s.suite}_cases[${table.length}] = {\n${table.join(',\n')}\n};\n`));
  }
  const tables = (['conv_im2col', 'depthwise_conv_3x3', 'depthwise_conv_rows'] as const).map((kernel) => {
    const shapes = bufferSizes.shapes.filter((b) => b.kernel === kernel);
    const type = { conv_im2col: 'edgeq_conv_im2col_params', depthwise_conv_3x3: 'edgeq_depthwise_3x3_params', depthwise_conv_rows: 'edgeq_depthwise_rows_params' }[kernel];
    const rows = shapes.map((b) => `  { &${b.params.id}, ${b.plannedBytes} }`);
    return `static const struct {\n  const ${type} *params;\n  int32_t planned_bytes;\n} ${kernel}_buffer_sizes[${rows.length}] = {\n${rows.join(',\n')}\n};\n`;
  });
  files.set('buffer_sizes.h', guarded('buffer_sizes', `${bufferSizes.shapes.map((b) => renderDeclaration(b.params)).join('\n')}\n\n${tables.join('\n')}`));
  const includes = [...suites.map((s) => s.suite), 'buffer_sizes'].map((n) => `#include "${n}.h"`).join('\n');
  const list = suites.map((s) => `  { "${s.suite}", ${s.suite}_cases, (int32_t)(sizeof ${s.suite}_cases / sizeof ${s.suite}_cases[0]) }`);
  files.set('cases.h', guarded('cases', `${includes}\n\nstatic const edgeq_test_suite edgeq_test_suites[${list.length}] = {\n${list.join(',\n')}\n};\n`));
  return files;
}
