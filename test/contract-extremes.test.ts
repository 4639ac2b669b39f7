/**
 * The contract at its edges (issue 13): graphs crafted at the legal extremes. Each is either
 * refused with a QGraphError naming the field or op at fault, or computes bit for bit the
 * same in the interpreter and in gcc-built C under ASan+UBSan (one compile for all of them).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  QGraphError,
  parseQGraph,
  q,
  qgraphDoc,
  type QGraph,
  type QGraphDoc,
  type QuantScheme,
} from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';
import { hostParity } from '@edgeq/harness';
import { batchHostParity, type BatchResult } from './support/batch-parity.js';
import { inputsFor } from './support/parity-inputs.js';

const POW2: QuantScheme = { scales: 'pow2', rounding: 'tflm' };
const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
const SINGLE: QuantScheme = { scales: 'fixed', rounding: 'single' };
const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };

/** A 1x1 convolution of one channel: weight `w` at scale `ws`, output quantisation `out`. */
function conv1x1(b: GraphBuilder, x: number, name: string, w: number, ws: number, out: ReturnType<typeof q>, bias = 0): number {
  return b.conv2d(x, { name, weights: Int8Array.of(w), weightShape: [1, 1, 1, 1], weightScales: [ws], bias: Int32Array.of(bias), out });
}

/**
 * pow2 ADD whose input 1 is aligned with a left shift of 31 (scales 1 and 2^-31): the aligned
 * value saturates at INT32_MAX, and the output zero point 127 is added to it.
 */
function pow2AddShift31(): QGraph {
  const b = new GraphBuilder('pow2_add_shift31', POW2);
  const x = b.input('x', [1, 3, 3, 1], q(1, 0));
  const y = conv1x1(b, x, 'small', 64, 2 ** -7, q(2 ** -31, -5)); // multiplier 2^-7 / 2^-31 = 2^24
  b.output(b.add('add', x, y, q(2 ** -31, 127)));
  return b.build();
}

/** The same with the inputs swapped and the output zero point −128 (saturation at INT32_MIN). */
function pow2AddShift31Negative(): QGraph {
  const b = new GraphBuilder('pow2_add_shift31_neg', POW2);
  const x = b.input('x', [1, 3, 3, 1], q(1, 3));
  const y = conv1x1(b, x, 'small', -64, 2 ** -7, q(2 ** -31, 5));
  b.output(b.add('add', y, x, q(2 ** -31, -128)));
  return b.build();
}

/**
 * A fixed-point conv whose real multiplier 1 / (1.5 · 2^-31) ≈ 1.43e9 has the largest legal
 * shift, 31: every non-zero accumulator saturates, then the zero point is added.
 */
function fixedShift31(scheme: QuantScheme, zp: number): QGraph {
  const b = new GraphBuilder(`conv_shift31_${scheme.rounding}_${zp}`, scheme);
  const x = b.input('x', [1, 3, 3, 1], q(1, 0));
  b.output(conv1x1(b, x, 'conv', 1, 1, q(1.5 * 2 ** -31, zp), 7));
  return b.build();
}

/**
 * A tflm conv whose multiplier is 2^31 − 107 with shift 31: s_in = 3 − 2^-22, s_w = f32(1/3),
 * s_out = 2^-31 give (s_in · s_w) / s_out = 2^31 · (1 − 2^-22/3)(1 + 2^-25)… ≈ 2^31 − 106.7, so
 * m = round(q · 2^31) = 2147483541. A saturated accumulator (x · 2^31 ≥ 2^31) gives
 * SRDHM(2^31 − 1, m) = m − 1 = 2147483540, and + 127 passes INT32_MAX.
 */
function tflmMultiplierNear2To31(): QGraph {
  const b = new GraphBuilder('conv_multiplier_near_2_31', TFLM);
  const x = b.input('x', [1, 3, 3, 1], q(3 - 2 ** -22, 0));
  b.output(conv1x1(b, x, 'conv', 1, Math.fround(1 / 3), q(2 ** -31, 127)));
  return b.build();
}

/** pow2 CONCATENATION of inputs 31 powers of two apart: the coarse input is shifted left by 31. */
function pow2ConcatShift31(): QGraph {
  const b = new GraphBuilder('pow2_concat_shift31', POW2);
  const x = b.input('x', [1, 2, 2, 1], q(1, 0));
  const y = conv1x1(b, x, 'fine', 64, 2 ** -7, q(2 ** -31, 0));
  b.output(b.concat('concat', [x, y], q(2 ** -31, 127)));
  return b.build();
}

/** Scales at both ends of the legal range, through QUANTIZE and DEQUANTIZE (float boundaries). */
function extremeBoundaryScales(): QGraph {
  const b = new GraphBuilder('extreme_boundary_scales', TFLM);
  const f = b.input('f', [1, 2, 3, 1], undefined, 'float32');
  const x = b.quantize('quantize', f, q(2 ** -126, 127)); // 1/scale = 2^126, every non-zero input saturates
  const y = conv1x1(b, x, 'conv', 1, 2 ** 100, q(2 ** -25, 0)); // multiplier 2^-126 · 2^100 / 2^-25 = 2^-1
  const z = conv1x1(b, y, 'up', 127, 2 ** 126, q(2 ** 126, -3)); // multiplier 2^-25 · 2^126 / 2^126 = 2^-25
  b.output(b.dequantize('dequantize', z));
  return b.build();
}

/** fp32 ADD with scale ratios outside XNNPACK's range (TFLite Micro's rule applies) and a huge scale. */
function fp32AddExtremeRatio(): QGraph {
  const b = new GraphBuilder('fp32_add_extreme_ratio', FP32);
  const x = b.input('x', [1, 2, 2, 2], q(1e20, -7));
  const y = b.conv2d(x, { name: 'conv', weights: Int8Array.of(127, -127, 1, 2), weightShape: [2, 1, 1, 2], weightScales: [1e-20, 2e-20], bias: Int32Array.of(1, -1), out: q(0.05, 9) });
  b.output(b.add('add', x, y, q(5e19, 127)));
  return b.build();
}

const bitExact: [string, () => QGraph][] = [
  ['pow2 ADD with shift 31 and output zero point 127', pow2AddShift31],
  ['pow2 ADD with shift 31 and output zero point -128', pow2AddShift31Negative],
  ['tflm conv with shift 31 and output zero point 127', () => fixedShift31(TFLM, 127)],
  ['tflm conv with shift 31 and output zero point -128', () => fixedShift31(TFLM, -128)],
  ['tflm conv with multiplier 2^31 - 107, shift 31 and output zero point 127', tflmMultiplierNear2To31],
  ['single-rounding conv with a multiplier of 2^31 (shift clamped to 30)', () => fixedShift31(SINGLE, 127)],
  ['pow2 CONCATENATION with shift 31', pow2ConcatShift31],
  ['scales 2^-126 and 2^126 through QUANTIZE, CONV_2D and DEQUANTIZE', extremeBoundaryScales],
  ['fp32 ADD with input scale 1e20 and a ratio outside XNNPACK range', fp32AddExtremeRatio],
];

describe('crafted extreme graphs: interpreter == gcc (ASan+UBSan), bit for bit', () => {
  let results: BatchResult[];
  beforeAll(async () => {
    results = await batchHostParity(bitExact.map(([label, make], k) => {
      const graph = make();
      return { label, graph, inputs: inputsFor(graph, k + 1, 16) };
    }));
  });
  bitExact.forEach(([label], k) => {
    it(label, () => {
      const r = results[k];
      expect(r.error, label).toBeUndefined();
      expect(r.exactVectors, label).toBe(16);
    });
  });
});

/** The error a graph edit provokes, from a valid graph's serialized document. */
function refusal(make: () => QGraph, edit: (doc: QGraphDoc, blob: Uint8Array) => Uint8Array | void = () => undefined): unknown {
  let g: QGraph;
  try {
    g = make();
  } catch (e) {
    return e;
  }
  const doc = JSON.parse(JSON.stringify(qgraphDoc(g))) as QGraphDoc;
  const blob = edit(doc, g.blob.slice()) ?? g.blob;
  try {
    parseQGraph(doc, blob, 'crafted.qgraph.json');
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A small valid fixed-point graph to edit: x → conv → fc. */
function small(): QGraph {
  const b = new GraphBuilder('small', TFLM);
  const x = b.input('x', [1, 4, 4, 1], q(0.05, -3));
  const c = conv1x1(b, x, 'conv', 3, 0.01, q(0.1, 4));
  const r = b.reshape('flat', c, [1, 16]);
  b.output(b.fullyConnected(r, { name: 'fc', weights: new Int8Array(32).fill(2), weightShape: [2, 16], weightScales: [0.02], bias: new Int32Array(2), out: q(0.2, 0) }));
  return b.build();
}

function scaled(inputScale: number, weightScale: number, outputScale: number, scheme = TFLM): () => QGraph {
  return () => {
    const b = new GraphBuilder('scaled', scheme);
    const x = b.input('x', [1, 2, 2, 1], q(inputScale, 0));
    b.output(conv1x1(b, x, 'conv', 5, weightScale, q(outputScale, 0)));
    return b.build();
  };
}

const refused: [string, () => unknown, RegExp][] = [
  ['input scale 1e20: conv multiplier 1e19 needs a shift above 31', () => refusal(scaled(1e20, 0.01, 0.1)), /ops\[0\] "conv": real multiplier 99999\d{14} out of \[0, 2\^31\)/],
  ['tflm shift 216 (multiplier 2^215)', () => refusal(scaled(2 ** 100, 2 ** 100, 2 ** -15)), /ops\[0\] "conv": real multiplier .* out of \[0, 2\^31\).*shift would exceed 31/],
  ['single-rounding multiplier 2^40', () => refusal(scaled(2 ** 20, 2 ** 20, 1, SINGLE)), /ops\[0\] "conv": real multiplier 1099511627776 out of \[0, 2\^31\)/],
  ['ADD output multiplier 2e30', () => refusal(() => {
    const b = new GraphBuilder('add_huge', TFLM);
    const x = b.input('x', [1, 2, 2, 1], q(1e20, 0));
    const y = conv1x1(b, x, 'conv', 1, 1e-20, q(1, 0));
    b.output(b.add('add', x, y, q(1e-4, 0)));
    return b.build();
  }), /ops\[1\] "add" output: real multiplier .* out of \[0, 2\^31\)/],
  ['subnormal float32 scale 1e-40', () => refusal(small, (d) => { d.tensors[0].quant!.scale = [1e-40]; }), /crafted\.qgraph\.json: tensors\[0\] "x"\.quant\.scale\[0\]: scale 1e-40 out of \[2\^-126, 2\^126\]/],
  ['scale 2^127 (its float32 reciprocal is subnormal)', () => refusal(small, (d) => { d.tensors[0].quant!.scale = [2 ** 127]; }), /tensors\[0\] "x"\.quant\.scale\[0\]: scale 1\.7\d*e\+38 out of \[2\^-126, 2\^126\]/],
  ['NaN scale', () => refusal(small, (d) => { d.tensors[0].quant!.scale = [Number.NaN]; }), /tensors\[0\] "x"\.quant\.scale\[0\]: scale must be finite and > 0/],
  ['infinite scale', () => refusal(small, (d) => { d.tensors[1].quant!.scale = [Number.POSITIVE_INFINITY]; }), /tensors\[1\] "conv\/weights"\.quant\.scale\[0\]: scale must be finite and > 0/],
  ['zero scale', () => refusal(small, (d) => { d.tensors[0].quant!.scale = [0]; }), /tensors\[0\] "x"\.quant\.scale\[0\]: scale must be finite and > 0/],
  ['null quant', () => refusal(small, (d) => { (d.tensors[0] as { quant: unknown }).quant = null; }), /tensors\[0\] "x"\.quant: must be an object, got null/],
  ['null buffer', () => refusal(small, (d) => { (d.tensors[1] as { buffer: unknown }).buffer = null; }), /tensors\[1\] "conv\/weights"\.buffer: must be an object, got null/],
  ['array options', () => refusal(small, (d) => { (d.ops[0] as { options: unknown }).options = []; }), /ops\[0\] "conv" \(CONV_2D\)\.options: must be an object/],
  ['null op', () => refusal(small, (d) => { (d.ops as unknown[])[1] = null; }), /ops\[1\]: must be an object/],
  ['a later op whose outputs is not an array', () => refusal(small, (d) => { d.ops[0].inputs[0] = d.ops[2].outputs[0]; (d.ops[2] as { outputs: unknown }).outputs = 7; }), /ops\[0\] "conv" \(CONV_2D\)\.inputs\[0\]: .* never produced/],
  ['an op type inherited from Object.prototype', () => refusal(small, (d) => { (d.ops[0] as { type: string }).type = 'toString'; }), /ops\[0\]\.type: unknown op "toString"/],
  ['null quantization scheme', () => refusal(small, (d) => { (d as { quantization: unknown }).quantization = null; }), /quantization\.scales: must be "fixed" or "pow2", got undefined/],
  ['a constant tensor as graph output', () => refusal(small, (d) => { d.outputs = [1]; }), /outputs\[0\]: graph output tensors\[1\] "conv\/weights" is a constant/],
  ['a graph without ops', () => refusal(small, (d) => { d.ops = []; d.outputs = [0]; }), /crafted\.qgraph\.json: ops: graph has no ops/],
  ['a 2 TB activation tensor', () => refusal(small, (d) => { d.tensors[0].shape = [1, 2 ** 20, 2 ** 20, 2]; }), /tensors\[0\] "x"\.shape: \[1, 1048576, 1048576, 2\] has 2199023255552 elements, more than the 268435456/],
  ['activations of 512 MiB in all', () => refusal(small, (d) => {
    d.tensors[0].shape = [1, 16384, 16384, 1];
    d.tensors[d.ops[0].outputs[0]].shape = [1, 16384, 16384, 1];
  }), /crafted\.qgraph\.json: tensors: activation tensors take 536870\d\d\d bytes in all, more than the 268435456 \(256 MiB\)/],
];

describe('crafted extreme graphs: refused by name', () => {
  for (const [label, run, message] of refused) {
    it(label, () => {
      const e = run();
      expect(e, label).toBeInstanceOf(QGraphError);
      expect((e as Error).message).toMatch(message);
    });
  }
});

describe('names that collide with the runtime', () => {
  it('a model named edgeq with ops named *, params and invoke: prefix m_edgeq, C bit-exact under ASan+UBSan', async () => {
    const b = new GraphBuilder('edgeq', TFLM);
    const x = b.input('x', [1, 3, 3, 2], q(0.05, -3));
    const c = b.conv2d(x, { name: '*', weights: new Int8Array(2 * 2).fill(9), weightShape: [2, 1, 1, 2], weightScales: [0.01, 0.02], bias: Int32Array.of(5, -5), out: q(0.1, 4) });
    const d = b.conv2d(c, { name: 'params', weights: new Int8Array(2 * 2).fill(-9), weightShape: [2, 1, 1, 2], weightScales: [0.01], bias: Int32Array.of(0, 1), out: q(0.1, 0) });
    const a = b.add('invoke', c, d, q(0.2, 1));
    b.output(b.add('int', a, c, q(0.3, 0)));
    const g = b.build();
    const model = await generateModel(g);
    expect(model.prefix).toBe('m_edgeq');
    const source = model.files.get('model.c')!;
    // Every object and function the model defines carries its own prefix, never the runtime's edgeq_.
    const defined = [
      ...[...source.matchAll(/^static (?:const )?\w+ (\w+)/gm)].map((m) => m[1]),
      ...[...source.matchAll(/^(?:int |void \*|const void \*)(\w+)\(/gm)].map((m) => m[1]),
    ];
    expect(defined.length).toBeGreaterThan(8);
    expect(defined.filter((name) => !name.startsWith('m_edgeq_'))).toEqual([]);
    const report = await hostParity(g, inputsFor(g, 3, 8), { sanitize: true });
    expect(report.stats.exactVectors, report.line).toBe(8);
  }, 120_000);
});
