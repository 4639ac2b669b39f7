/**
 * CMSIS-NN's side of bench/mcu-mlperf.ts: reads the figures measured outside the
 * repository (a JSON file, never built here), finds the record of a model on a core at a
 * gcc optimisation level, and puts it beside edgeq's (whole-inference and per-op ratios).
 */

import { CORTEX_M_TARGET_IDS, getCortexMTarget } from '@edgeq/harness';

/** Instructions of one op in a CMSIS-NN run (aligned with the QGraph's ops). */
export interface CmsisNnOpFigure {
  readonly name: string;
  readonly instructions: number;
  readonly type?: string;
  /** "cmsis-nn", or "edgeq" for an op CMSIS-NN has no kernel for (e.g. MEAN). */
  readonly kernel?: string;
}

/** One measurement: a model on a core at one gcc optimisation level. */
export interface CmsisNnRecord {
  readonly model: string;
  readonly core: string;
  /** gcc optimisation level without the dash ("O2", "Os"); absent means O2. */
  readonly opt?: string;
  readonly instructions: number;
  readonly per_op?: readonly CmsisNnOpFigure[];
  readonly bit_exact?: boolean;
}

/** The whole figures file. */
export interface CmsisNnFigures {
  /** CMSIS-NN commit the figures were measured at. */
  readonly commit: string;
  readonly method?: string;
  readonly records: readonly CmsisNnRecord[];
}

/** CMSIS-NN beside edgeq for one record of the bench. */
export interface CmsisNnComparison {
  readonly instructions: number;
  readonly commit: string;
  /** edgeq instructions / CMSIS-NN instructions (below 1: edgeq executes fewer). */
  readonly ratio: number;
  readonly bit_exact?: boolean;
  /** Per op (edgeq's op order): CMSIS-NN's instructions, undefined where the file has none. */
  readonly perOp: ReadonlyArray<number | undefined>;
}

function fail(file: string, where: string, message: string): never {
  throw new Error(`${file}: ${where}: ${message}`);
}

/**
 * Parses and checks a figures file.
 * @throws Error naming the file, the record and the field that is missing or wrong
 */
export function parseCmsisNnFigures(text: string, file: string): CmsisNnFigures {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(file, 'file', `not JSON (${(e as Error).message})`);
  }
  const top = data as Partial<CmsisNnFigures> | null;
  if (typeof top?.commit !== 'string' || top.commit === '') fail(file, 'field "commit"', 'missing (the CMSIS-NN commit measured)');
  if (!Array.isArray(top.records)) fail(file, 'field "records"', 'missing or not an array');
  top.records.forEach((r: Partial<CmsisNnRecord>, i) => {
    const where = `records[${i}]`;
    for (const k of ['model', 'core'] as const) if (typeof r?.[k] !== 'string') fail(file, `${where}.${k}`, 'missing or not a string');
    if (!(typeof r.instructions === 'number' && r.instructions > 0)) fail(file, `${where}.instructions`, 'missing or not a positive number');
    if (r.opt !== undefined && !/^O[0-3s]$/.test(r.opt)) fail(file, `${where}.opt`, `"${r.opt}" is not a gcc level such as "O2" or "Os"`);
    r.per_op?.forEach((o, j) => {
      if (typeof o?.name !== 'string' || typeof o.instructions !== 'number') fail(file, `${where}.per_op[${j}]`, 'needs a name and a number of instructions');
    });
  });
  return top as CmsisNnFigures;
}

/**
 * Cores whose CMSIS-NN records may stand in for `core`'s: itself, then, for a target that runs
 * another core's code on a larger memory map (the target table's `sameCodeAs`, e.g.
 * cortex-m0-mps2), that code measured on this board ("cortex-m0-on-mps2-an385") or on its own.
 */
function sameCodeCores(core: string): string[] {
  if (!(CORTEX_M_TARGET_IDS as readonly string[]).includes(core)) return [core];
  const target = getCortexMTarget(core);
  return target.sameCodeAs ? [core, `${target.sameCodeAs}-on-${target.qemuMachine}`, target.sameCodeAs] : [core];
}

/** The record of `model` on `core` at gcc level `opt` ("O2", "Os"); a record without `opt` is O2. */

export function findCmsisNnRecord(figures: CmsisNnFigures, model: string, core: string, opt: string): CmsisNnRecord | undefined {
  for (const candidate of sameCodeCores(core)) {
    const found = figures.records.find((r) => r.model === model && r.core === candidate && (r.opt ?? 'O2') === opt);
    if (found) return found;
  }
  return undefined;
}

/**
 * CMSIS-NN beside edgeq: the whole-inference ratio and, per edgeq op, CMSIS-NN's count for
 * the op of the same name (the CMSIS-NN program is generated from the same QGraph).
 */
export function compareWithCmsisNn(
  edgeqInstructions: number,
  edgeqOps: ReadonlyArray<{ readonly name: string }>,
  record: CmsisNnRecord,
  commit: string,
): CmsisNnComparison {
  const byName = new Map((record.per_op ?? []).map((o) => [o.name, o.instructions]));
  return {
    instructions: record.instructions,
    commit,
    ratio: +(edgeqInstructions / record.instructions).toFixed(3),
    ...(record.bit_exact !== undefined ? { bit_exact: record.bit_exact } : {}),
    perOp: edgeqOps.map((op) => byName.get(op.name)),
  };
}

/** The fields of a bench/mcu-mlperf.ts record that CMSIS-NN's figures are matched and compared on. */
export interface MeasuredRecord {
  readonly model: string;
  readonly core: string;
  /** gcc flag, e.g. "-O2". */
  readonly gcc: string;
  readonly instructions: number;
  readonly per_op: ReadonlyArray<{ readonly name: string; readonly instructions: number }>;
}

/**
 * The record with CMSIS-NN beside it: `cmsis_nn` {instructions, commit, ratio, bit_exact?} and,
 * per op, `cmsis_nn_instructions` and `cmsis_nn_ratio`; without them (stale ones removed)
 * when the figures hold no record of the same model, core and gcc level.
 */
export function attachCmsisNn<R extends MeasuredRecord>(rec: R, figures: CmsisNnFigures): R {
  const { cmsis_nn: _stale, ...rest } = rec as R & { cmsis_nn?: unknown };
  const perOpWithout = rec.per_op.map((o) => {
    const { cmsis_nn_instructions: _i, cmsis_nn_ratio: _r, ...op } = o as typeof o & { cmsis_nn_instructions?: number; cmsis_nn_ratio?: number };
    return op;
  });
  const found = findCmsisNnRecord(figures, rec.model, rec.core, rec.gcc.replace(/^-/, ''));
  if (!found) return { ...rest, per_op: perOpWithout } as unknown as R;
  const c = compareWithCmsisNn(rec.instructions, rec.per_op, found, figures.commit);
  return {
    ...rest,
    per_op: perOpWithout.map((o, i) => {
      const cmsisOp = c.perOp[i];
      return cmsisOp === undefined ? o : { ...o, cmsis_nn_instructions: cmsisOp, cmsis_nn_ratio: +(o.instructions / cmsisOp).toFixed(3) };
    }),
    cmsis_nn: { instructions: c.instructions, commit: c.commit, ratio: c.ratio, ...(c.bit_exact !== undefined ? { bit_exact: c.bit_exact } : {}) },
  } as unknown as R;
}
