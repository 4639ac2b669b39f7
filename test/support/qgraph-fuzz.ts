/**
 * QGraph loader fuzzing (issue 13's contract): mutates serialized reference and random graphs
 * (fields set to null / NaN / huge / negative / subnormal values, characters of the JSON text
 * flipped, array entries dropped or duplicated, blob bytes changed) and classifies what
 * `parseQGraph` makes of each mutant. A mutant must be refused with a QGraphError, or be a
 * valid graph that the interpreter runs and the code generator turns into C; anything else is
 * a bug. A sample of the valid mutants is then run interpreter vs gcc under ASan+UBSan.
 * Used by scripts/fuzz-qgraph.ts (which test/qgraph-fuzz.test.ts runs as a child process).
 */
import {
  QGraphError,
  QUANT_SCHEMES,
  buildReferenceModel,
  mulberry32,
  parseQGraph,
  qgraphDoc,
  randomGraph,
  Interpreter,
  type QGraph,
} from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';
import { inputsFor } from './parity-inputs.js';
import { batchHostParity } from './batch-parity.js';

/** One serialized graph: the JSON document (as parsed) and its blob. */
export interface SerializedGraph {
  label: string;
  doc: unknown;
  blob: Uint8Array;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type PathKey = string | number;

/** Values a mutation may write into a field: the edges of every type the loader meets. */
const SPECIAL_VALUES: readonly unknown[] = [
  null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, -1, 1, 2, 31, 32, 64, 216, -31, -32,
  127, 128, -128, -129, 255, 256, 2 ** 20, 2 ** 24, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53 + 2, 1e20, -1e20, 1e300,
  1e-20, 1e-38, 1e-40, 1e-45, 5e-324, 2 ** -126, 2 ** -149, 2 ** -24, 0.5, 1.5, 3.4e38, 3.5e38, '', 'x', '*', 'edgeq', 'int',
  '0', 'toString', '__proto__', 'constructor', true, false, [], {}, [1], [0, 0], undefined,
];

/** The base graphs the mutations start from: random graphs of every scheme (ordinary and edge families) and the reference models. */
export function baseGraphs(): SerializedGraph[] {
  const graphs: { label: string; g: QGraph }[] = [];
  QUANT_SCHEMES.forEach((scheme, k) => {
    for (let seed = 1; seed <= 6; seed++) graphs.push({ label: `random ${seed} ${scheme.scales}/${scheme.rounding}`, g: randomGraph(seed + 100 * k, { scheme }) });
    graphs.push({ label: `random extreme scales ${scheme.scales}/${scheme.rounding}`, g: randomGraph(7 + 100 * k, { scheme, extremeScales: true }) });
    graphs.push({ label: `random shift limits ${scheme.scales}/${scheme.rounding}`, g: randomGraph(8 + 100 * k, { scheme, shiftLimits: true }) });
  });
  graphs.push({ label: 'dscnn tflm', g: buildReferenceModel('dscnn') });
  graphs.push({ label: 'mbv2mini pow2', g: buildReferenceModel('mbv2mini', { scales: 'pow2', rounding: 'tflm' }) });
  return graphs.map(({ label, g }) => {
    const { blobSha256: _hash, ...doc } = qgraphDoc(g);
    return { label, doc: JSON.parse(JSON.stringify(doc)), blob: g.blob };
  });
}

/** Every path of a JSON tree (objects and arrays, not the root). */
function pathsOf(node: Json, prefix: PathKey[] = [], out: PathKey[][] = []): PathKey[][] {
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      out.push([...prefix, i]);
      pathsOf(v, [...prefix, i], out);
    });
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      out.push([...prefix, k]);
      pathsOf(v, [...prefix, k], out);
    }
  }
  return out;
}

function parentOf(root: Json, path: PathKey[]): { parent: Record<PathKey, unknown>; key: PathKey } {
  let node: unknown = root;
  for (const k of path.slice(0, -1)) node = (node as Record<PathKey, unknown>)[k];
  return { parent: node as Record<PathKey, unknown>, key: path[path.length - 1] };
}

const pathText = (path: PathKey[]) => path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');

/** A mutated copy of `base`, and a description of what was changed. */
export function mutate(base: SerializedGraph, rand: () => number): { doc: unknown; blob: Uint8Array; mutation: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  let doc = JSON.parse(JSON.stringify(base.doc)) as Json;
  let blob = base.blob;
  const done: string[] = [];
  const steps = 1 + Math.floor(rand() * 3);
  for (let s = 0; s < steps; s++) {
    const kind = rand();
    const paths = pathsOf(doc);
    // Fields of tensors, ops and the scheme are where the contract lives: weight them up.
    const focused = paths.filter((p) => p[0] === 'tensors' || p[0] === 'ops' || p[0] === 'quantization' || p[0] === 'inputs' || p[0] === 'outputs');
    const path = pick(rand() < 0.8 && focused.length ? focused : paths);
    const { parent, key } = parentOf(doc, path);
    const old = parent[key];
    if (kind < 0.4) {
      const v = pick(SPECIAL_VALUES);
      if (v === undefined) {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        done.push(`drop ${pathText(path)}`);
      } else {
        parent[key] = JSON.parse(JSON.stringify(v) ?? 'null') as Json;
        if (typeof v === 'number' && !Number.isFinite(v)) parent[key] = v as Json;
        done.push(`set ${pathText(path)} = ${String(v)}`);
      }
    } else if (kind < 0.6 && typeof old === 'number') {
      const v = pick([old + 1, old - 1, old * 2, -old, old / 2, old * 2 ** 20, old / 2 ** 20, old * 1e10, Math.fround(old * 1.0000001)]);
      parent[key] = v;
      done.push(`tweak ${pathText(path)} ${old} → ${v}`);
    } else if (kind < 0.75) {
      const arrays = paths.filter((p) => Array.isArray(parentOf(doc, p).parent[parentOf(doc, p).key]));
      if (arrays.length === 0) continue;
      const ap = pick(arrays);
      const arr = parentOf(doc, ap).parent[parentOf(doc, ap).key] as Json[];
      if (arr.length === 0) {
        arr.push(0);
        done.push(`push 0 ${pathText(ap)}`);
        continue;
      }
      const i = Math.floor(rand() * arr.length);
      const how = rand();
      if (how < 0.4) arr.splice(i, 1);
      else if (how < 0.8) arr.splice(i, 0, JSON.parse(JSON.stringify(arr[i])) as Json);
      else [arr[i], arr[arr.length - 1]] = [arr[arr.length - 1], arr[i]];
      done.push(`${how < 0.4 ? 'drop' : how < 0.8 ? 'duplicate' : 'swap'} ${pathText(ap)}[${i}]`);
    } else if (kind < 0.9) {
      // Flip one character of the JSON text to another of its class, then parse it back.
      const text = JSON.stringify(doc);
      const at = Math.floor(rand() * text.length);
      const c = text[at];
      const pool = /[0-9]/.test(c) ? '0123456789' : /[a-z]/i.test(c) ? 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' : '-+.,:[]{}"e0';
      const flipped = text.slice(0, at) + pick([...pool]) + text.slice(at + 1);
      try {
        doc = JSON.parse(flipped) as Json;
        done.push(`text[${at}] ${JSON.stringify(c)} flipped`);
      } catch {
        done.push(`text[${at}] flip not JSON (kept)`);
      }
    } else {
      const b = blob.slice();
      const how = rand();
      if (b.length === 0 || how < 0.2) {
        blob = b.subarray(0, Math.floor(b.length * rand()));
        done.push(`blob truncated to ${blob.length}`);
      } else {
        const i = Math.floor(rand() * b.length);
        b[i] = how < 0.6 ? b[i] ^ (1 << Math.floor(rand() * 8)) : pick([0x00, 0x7f, 0x80, 0xff]);
        blob = b;
        done.push(`blob[${i}] changed`);
      }
    }
  }
  return { doc, blob, mutation: done.join('; ') };
}

/** What the loader and the consumers of a valid graph made of one mutant. */
export type Outcome =
  | { kind: 'valid'; graph: QGraph }
  | { kind: 'refused'; message: string }
  | { kind: 'bug'; message: string };

/**
 * Loads a mutant with parseQGraph; a valid one must also prepare and run in the interpreter
 * (one vector) and generate C. Any exception other than a QGraphError from the loader is a bug.
 */
export async function classify(doc: unknown, blob: Uint8Array): Promise<Outcome> {
  let g: QGraph;
  try {
    g = parseQGraph(doc, blob, 'mutant.qgraph.json');
  } catch (e) {
    if (e instanceof QGraphError) return { kind: 'refused', message: e.message };
    return { kind: 'bug', message: `loader threw ${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}` };
  }
  try {
    if (g.inputs.length === 1 && g.outputs.length === 1) new Interpreter(g, { validate: false }).run(inputsFor(g, 1, 1));
    await generateModel(g);
  } catch (e) {
    return { kind: 'bug', message: `valid graph failed downstream: ${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}` };
  }
  return { kind: 'valid', graph: g };
}

/** Counts of one fuzz run. */
export interface FuzzSummary {
  mutations: number;
  refused: number;
  valid: number;
  bugs: number;
  /** The first few bugs: base graph, mutation, message. */
  bugExamples: string[];
  /** Valid mutants run interpreter vs gcc (ASan+UBSan), and how many were bit-exact. */
  parityChecked: number;
  parityExact: number;
  parityFailures: string[];
  /** The most frequent refusal reasons (error location with indices dropped), for the record. */
  topRefusals: [string, number][];
}

/**
 * Runs `mutations` mutants from seed `seed` and checks `parity` valid ones on the host, drawn
 * uniformly from all valid mutants (fewer only if fewer are valid). CPU-bound: run it in its own process (scripts/fuzz-qgraph.ts).
 */
export async function runFuzz(opts: { mutations: number; seed: number; parity: number; onProgress?: (done: number) => void }): Promise<FuzzSummary> {
  const rand = mulberry32(opts.seed);
  const bases = baseGraphs();
  const summary: FuzzSummary = { mutations: 0, refused: 0, valid: 0, bugs: 0, bugExamples: [], parityChecked: 0, parityExact: 0, parityFailures: [], topRefusals: [] };
  const reasons = new Map<string, number>();
  const sampled: { label: string; graph: QGraph }[] = [];
  let eligible = 0; // valid mutants with one input and one output, sampled uniformly (reservoir)
  for (let i = 0; i < opts.mutations; i++) {
    const base = bases[Math.floor(rand() * bases.length)];
    const m = mutate(base, rand);
    const outcome = await classify(m.doc, m.blob);
    summary.mutations++;
    if (outcome.kind === 'refused') {
      summary.refused++;
      const reason = outcome.message.replace(/^mutant\.qgraph\.json: /, '').replace(/\[\d+\]/g, '[]').replace(/"[^"]*"/g, '""').replace(/:.*$/, '');
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    } else if (outcome.kind === 'bug') {
      summary.bugs++;
      if (summary.bugExamples.length < 10) summary.bugExamples.push(`${base.label} | ${m.mutation} | ${outcome.message}`);
    } else {
      summary.valid++;
      const single = outcome.graph.inputs.length === 1 && outcome.graph.outputs.length === 1;
      if (single && opts.parity > 0) {
        const entry = { label: `${base.label} | ${m.mutation}`, graph: outcome.graph };
        const slot = eligible < opts.parity ? eligible : Math.floor(rand() * (eligible + 1));
        if (slot < opts.parity) sampled[slot] = entry;
        eligible++;
      }
    }
    if (i % 50 === 49) opts.onProgress?.(i + 1);
  }
  const results = await batchHostParity(sampled.map(({ label, graph }, k) => ({ label, graph, inputs: inputsFor(graph, k, 8) })));
  for (const r of results) {
    summary.parityChecked++;
    if (!r.error && r.exactVectors === r.vectors) summary.parityExact++;
    else summary.parityFailures.push(`${r.label}: ${r.error ?? `${r.exactVectors}/${r.vectors} vectors bit-exact`}`);
  }
  summary.topRefusals = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15);
  return summary;
}
