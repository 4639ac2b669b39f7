/**
 * QGraph → C sources: plans the arena, emits each op, renders templates/*.hbs into
 * `<model>.h` / `<model>.c` (plus, on request, the host harness main), and writes a
 * firmware directory with the runtime copied beside it, atomically.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { validateQGraph, writeDirAtomic, type QGraph, type SoftmaxInputScaling } from '@edgeq/ir';
import { runtimeFiles } from '@edgeq/runtime-c';
import { planMemory, type MemoryPlan } from './memory-plan.js';
import { IdentifierTable, apiPrefix, commentText, sanitizeIdentifier } from './c-syntax.js';
import { boundaryApi } from './boundary-api.js';
import { emitOp } from './emit/index.js';
import { rqModeEnumerator, type EmittedOp } from './emit/emitter-support.js';
import { planFastOp, type FastMode, type FastPlan, type WeightStorage } from './fast-kernels.js';
import { planFcAddOps } from './fast-planner.js';
import { COMPUTED_SOFTMAX_SCRATCH_BYTES, planComputedSoftmax } from './computed-softmax.js';
import { compactScratchBytes, planCompactRequant, type CompactRequant } from './compact-requant.js';

/** This package's templates/ directory (beside src/ and dist/). */
export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../templates');

export interface GenerateOptions {
  /** C identifier prefix of the API (default: the lower-case model name; see c-syntax.ts apiPrefix). */
  prefix?: string;
  /** Base name of the generated files (default `model`). */
  fileBase?: string;
  /**
   * Use runtime-c's specialised kernels (precomputed per-channel constants, re-laid-out
   * weights, scratch in the arena) for every op whose build-time checks pass (default true).
   */
  fastKernels?: boolean;
  /**
   * What the specialised kernels trade (default 'speed'): 'speed' may widen weights to int16
   * and add lookup tables where that saves instructions; 'size' keeps the model's int8
   * weights in flash (expanded on the fly), adds no tables (SOFTMAX computes its exponentials
   * at run time: computed-softmax.ts), and stores the per-channel
   * requantisation rows compactly (compact-requant.ts: expanded into scratch at run time).
   */
  optimize?: 'speed' | 'size';
  /**
   * How the convolution kernels store weights, when set: 'int16' (fastest) or 'int8' (int8
   * weights expanded on the fly where a kernel has that variant; fast-kernels.ts). By
   * default it follows `optimize`: 'size' keeps int8, 'speed' widens to int16.
   */
  weightStorage?: WeightStorage;
}

export interface GeneratedModel {
  prefix: string;
  fileBase: string;
  /** File name → contents of the generated model sources. */
  files: Map<string, string>;
  plan: MemoryPlan;
  ops: EmittedOp[];
  /** Bytes of const data (weights, biases, requantisation parameters, tables; structs at their Cortex-M sizeof). */
  constBytes: number;
}

const templateCache = new Map<string, Handlebars.TemplateDelegate>();
/** Render a template from templates/ (no HTML escaping: this is C). */
export async function renderTemplate(relPath: string, context: object): Promise<string> {
  let t = templateCache.get(relPath);
  if (!t) {
    const text = await fs.readFile(path.join(TEMPLATES_DIR, relPath), 'utf8');
    t = Handlebars.compile(text, { noEscape: true, strict: true });
    templateCache.set(relPath, t);
  }
  return t(context);
}

/** Generate the model sources of a QGraph (in memory). */
export async function generateModel(g: QGraph, opts: GenerateOptions = {}): Promise<GeneratedModel> {
  validateQGraph(g);
  const prefix = apiPrefix(opts.prefix ?? g.name.toLowerCase());
  const fileBase = sanitizeIdentifier(opts.fileBase ?? 'model', 32);
  // fp32 requantisation (XNNPACK's float multiplier) has no fast form: reference kernels.
  const fastMode: FastMode | undefined = g.quantization.scales === 'pow2' ? 'pow2' : g.quantization.rounding === 'fp32' ? undefined : g.quantization.rounding;
  const fast = new Map<number, FastPlan>();
  if (opts.fastKernels !== false && fastMode) {
    g.ops.forEach((op, i) => {
      const f = planFastOp(g, op, fastMode, { weightStorage: opts.weightStorage ?? (opts.optimize === 'size' ? 'int8' : 'int16') });
      if (f) fast.set(i, f);
    });
  }
  const fcAdd = opts.fastKernels !== false && fastMode ? planFcAddOps(g, fastMode, opts.optimize ?? 'speed') : undefined;
  const scratch = new Map([...fast].map(([i, f]) => [i, f.scratchBytes]));
  for (const [i, choice] of fcAdd ?? []) if (choice.plan?.kind === 'add_table') scratch.set(i, choice.plan.scratchBytes);
  // --optimize size: compact requantisation rows in flash, expanded into scratch after the kernel's own.
  const compactRequant = opts.optimize === 'size' ? planCompactRequant(g, fast, fcAdd) : new Map<number, CompactRequant>();
  for (const [i, c] of compactRequant) scratch.set(i, compactScratchBytes(scratch.get(i) ?? 0, c));
  const computedSoftmax = opts.optimize === 'size' ? planComputedSoftmax(g) : new Map<number, SoftmaxInputScaling>();
  for (const i of computedSoftmax.keys()) scratch.set(i, COMPUTED_SOFTMAX_SCRATCH_BYTES);
  const plan = planMemory(g, scratch);
  const ids = new IdentifierTable(`${prefix}_`);
  const modeEnum = rqModeEnumerator(g.quantization);
  const ctx = { graph: g, ids, offsets: plan.offsets, modeEnum, fast, fcAdd, compactRequant, computedSoftmax, scratchOffsets: plan.scratchOffsets };
  const ops = g.ops.map((op, i) => emitOp(ctx, op, i));
  const constBytes = ops.reduce((s, o) => s + o.constBytes, 0);
  const context = {
    prefix,
    PREFIX: prefix.toUpperCase(),
    fileBase,
    guard: `${prefix.toUpperCase()}_${fileBase.toUpperCase()}_H`,
    modelComment: commentText(g.name),
    scales: g.quantization.scales,
    rounding: g.quantization.scales === 'pow2' ? 'shift' : g.quantization.rounding,
    modeEnum,
    arenaBytes: Math.max(plan.arenaBytes, 8),
    constBytes,
    numOps: ops.length,
    ...boundaryApi(g, plan.offsets),
    ops,
  };
  const files = new Map<string, string>();
  files.set(`${fileBase}.h`, await renderTemplate('model.h.hbs', context));
  files.set(`${fileBase}.c`, await renderTemplate('model.c.hbs', context));
  files.set('harness_main.c', await renderTemplate('host/harness_main.c.hbs', context));
  return { prefix, fileBase, files, plan, ops, constBytes };
}

export interface WriteOptions extends GenerateOptions {
  /** Also copy the runtime (edgeq.h and kernels) into the directory (default true). */
  includeRuntime?: boolean;
  /** Subdirectory of `dir` holding the model sources and the runtime (default `.`, `dir` itself). */
  libraryDir?: string;
  /** Subdirectory of `libraryDir` for the runtime (default `runtime`; `.` puts it beside the model). */
  runtimeDir?: string;
  /** Write the host harness main (`harness_main.c`, with its own `main`) beside the model (default true). */
  hostHarness?: boolean;
  /** Writes further files into the temporary directory before it replaces `dir`. */
  addFiles?: (tmpDir: string, model: GeneratedModel) => Promise<void>;
}

/**
 * Generate a firmware directory. Files are written into a temporary sibling directory
 * that replaces `dir` only when complete (@edgeq/ir's writeDirAtomic), so a failure
 * leaves no partial output and an existing `dir` is kept until the new one is in place.
 */
export async function writeFirmwareDir(g: QGraph, dir: string, opts: WriteOptions = {}): Promise<GeneratedModel> {
  const model = await generateModel(g, opts);
  await writeDirAtomic(dir, async (tmp) => {
    const library = path.join(tmp, opts.libraryDir ?? '.');
    await fs.mkdir(library, { recursive: true });
    for (const [name, text] of model.files) {
      if (name === 'harness_main.c' && opts.hostHarness === false) continue;
      await fs.writeFile(path.join(library, name), text);
    }
    if (opts.includeRuntime !== false) {
      const runtime = path.join(library, opts.runtimeDir ?? 'runtime');
      await fs.mkdir(runtime, { recursive: true });
      for (const f of runtimeFiles()) await fs.copyFile(f, path.join(runtime, path.basename(f)));
    }
    await opts.addFiles?.(tmp, model);
  });
  return model;
}
