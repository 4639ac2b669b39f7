/**
 * The interpreter's WebAssembly SIMD kernels (packages/ir/wasm) against its TypeScript
 * kernels, the reference: every tensor of random graphs in every requantisation scheme and
 * edge family (shifts at their limits take the kernels' scalar path, the rest the vector
 * path), and crafted convolutions the random graphs rarely draw (non-square kernels,
 * dilation, depth multipliers, channel and depth counts off the kernels' block sizes) and
 * pooling windows clipped by SAME padding.
 * Also which kernels the interpreter reports and how a bad choice is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  GraphBuilder, Interpreter, QUANT_SCHEMES, mulberry32, q, randomGraph,
  type QGraph, type QuantScheme, type RandomGraphOptions, type TensorData,
} from '../src/index.js';

const FAMILIES: [string, RandomGraphOptions][] = [
  ['plain', {}], ['several inputs and outputs', { multiIo: true }], ['shifts at their limits', { shiftLimits: true }], ['extreme scales', { extremeScales: true }],
  ['large MEAN windows', { largeMeanWindow: true }], ['int4 weights', { weightBits: 'mixed' }],
];
const SEEDS = 6;
const VECTORS = 6;

/** Random int8 (or float32) inputs for every graph input; vectors 0 and 1 are all −128 and all 127. */
function vectors(g: QGraph, seed: number): TensorData[][] {
  const r = mulberry32(seed);
  return Array.from({ length: VECTORS }, (_, v) => g.inputs.map((t) => {
    const n = g.tensors[t].shape.reduce((a, d) => a * d, 1);
    if (g.tensors[t].dtype === 'float32') return new Float32Array(n).map(() => (r() - 0.5) * 20);
    return new Int8Array(n).map(() => (v === 0 ? -128 : v === 1 ? 127 : Math.floor(r() * 256) - 128));
  }));
}

/** Names of the tensors where the two kernel sets differ (empty when every tensor agrees). */
function differences(g: QGraph, seed: number): string[] {
  const typescript = new Interpreter(g, { kernels: 'typescript' });
  const wasm = new Interpreter(g, { kernels: 'wasm' });
  const out: string[] = [];
  for (const x of vectors(g, seed)) {
    const a = typescript.run(x, { keepIntermediates: true }).intermediates!;
    const b = wasm.run(x, { keepIntermediates: true }).intermediates!;
    for (const [t, va] of a) if (va.some((e, i) => e !== b.get(t)![i])) out.push(g.tensors[t].name);
    // A plain run passes tensors between kernels in WebAssembly memory instead: same outputs.
    const plain = wasm.run(x).outputs;
    g.outputs.forEach((t, k) => {
      if (plain[k].some((e, i) => e !== a.get(t)![i])) out.push(`${g.tensors[t].name} (plain run)`);
    });
  }
  return out;
}

describe('WebAssembly kernels == TypeScript kernels on random graphs', () => {
  for (const scheme of QUANT_SCHEMES) {
    it(`${scheme.scales}/${scheme.rounding}`, () => {
      let graphs = 0;
      for (const [family, options] of FAMILIES) {
        for (let seed = 1; seed <= SEEDS; seed++) {
          let g: QGraph;
          try {
            g = randomGraph(seed, { ...options, scheme });
          } catch {
            continue; // refused by the validator: nothing to run
          }
          graphs++;
          expect(differences(g, seed), `${family}, seed ${seed}`).toEqual([]);
        }
      }
      expect(graphs).toBeGreaterThan(FAMILIES.length * SEEDS * 0.7);
    });
  }
});

/** One conv-like op on a random input, random weights, per-channel scales. */
function crafted(scheme: QuantScheme, seed: number, kind: 'conv' | 'dw' | 'fc'): QGraph {
  const r = mulberry32(seed);
  const b = new GraphBuilder(`${kind}${seed}`, scheme);
  const scale = (s: number) => (scheme.scales === 'pow2' ? 2 ** Math.round(Math.log2(s)) : Math.fround(s));
  const cin = 1 + Math.floor(r() * 13);
  const x = b.input('x', kind === 'fc' ? [1, cin * 3] : [1, 5 + Math.floor(r() * 6), 4 + Math.floor(r() * 6), cin], q(scale(0.05), Math.floor(r() * 40) - 20));
  const weights = (n: number) => new Int8Array(n).map(() => Math.floor(r() * 255) - 127);
  const scales = (n: number) => Array.from({ length: n }, () => scale(0.002 + r() * 0.01));
  const out = q(scale(0.05 + r() * 0.3), Math.floor(r() * 20) - 10);
  const activation = (['NONE', 'RELU', 'RELU6'] as const)[Math.floor(r() * 3)];
  let y: number;
  if (kind === 'fc') {
    const cout = 1 + Math.floor(r() * 19);
    y = b.fullyConnected(x, { name: 'fc', weights: weights(cout * cin * 3), weightShape: [cout, cin * 3], weightScales: scales(cout), bias: new Int32Array(cout).map(() => Math.floor(r() * 2000) - 1000), out, activation });
  } else {
    const [kh, kw] = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 3)];
    const multiplier = kind === 'dw' ? 1 + Math.floor(r() * 3) : 1;
    const cout = kind === 'dw' ? cin * multiplier : 1 + Math.floor(r() * 19);
    const spec = {
      name: kind, weights: weights(kind === 'dw' ? kh * kw * cout : cout * kh * kw * cin), weightShape: kind === 'dw' ? [1, kh, kw, cout] : [cout, kh, kw, cin],
      weightScales: scales(cout), bias: new Int32Array(cout).map(() => Math.floor(r() * 2000) - 1000), out, activation,
      stride: [1 + Math.floor(r() * 2), 1 + Math.floor(r() * 2)] as [number, number], dilation: [1 + Math.floor(r() * 2), 1 + Math.floor(r() * 2)] as [number, number],
      padding: r() < 0.5 ? ('SAME' as const) : ('VALID' as const),
    };
    y = kind === 'dw' ? b.depthwiseConv2d(x, spec, multiplier) : b.conv2d(x, spec);
  }
  b.output(y);
  return b.build();
}

describe('WebAssembly kernels == TypeScript kernels on crafted convolutions', () => {
  for (const kind of ['conv', 'dw', 'fc'] as const) {
    it(kind, () => {
      for (const scheme of QUANT_SCHEMES) {
        for (let seed = 1; seed <= 8; seed++) {
          const g = crafted(scheme, seed, kind);
          expect(new Interpreter(g, { kernels: 'wasm' }).wasmOps).toEqual([kind]);
          expect(differences(g, seed), `${scheme.scales}/${scheme.rounding} seed ${seed}`).toEqual([]);
        }
      }
    });
  }
});

/**
 * Convolutions chained in one graph, so every op reads its plane from the scratch region the
 * op before left dirty (a larger plane, other channel counts): the kernels must rewrite the
 * zero border and padding themselves. The shapes are chosen to hit the CONV_2D kernel's
 * remainders: odd window rows (3x3 over 3, 5 or 7 channels: 9, 15, 21 values, so the last
 * pair of a row takes the next row's first value), one run per tap (dilation_w 2) of odd
 * length, runs short enough for the im2col rows (2x2 taps of 5 values), pixel counts that are not a multiple of the 4-pixel block, and output channel
 * counts that are not a multiple of 8.
 */
function chained(scheme: QuantScheme, seed: number): QGraph {
  const r = mulberry32(seed);
  const b = new GraphBuilder(`chain${seed}`, scheme);
  const scale = (v: number) => (scheme.scales === 'pow2' ? 2 ** Math.round(Math.log2(v)) : Math.fround(v));
  const layer = (cin: number, cout: number, taps: number) => ({
    weights: new Int8Array(cout * taps * cin).map(() => Math.floor(r() * 255) - 127),
    weightScales: Array.from({ length: cout }, () => scale(0.002 + r() * 0.01)),
    bias: new Int32Array(cout).map(() => Math.floor(r() * 2000) - 1000),
    out: q(scale(0.05 + r() * 0.3), Math.floor(r() * 20) - 10),
    activation: (['NONE', 'RELU', 'RELU6'] as const)[Math.floor(r() * 3)],
  });
  let h = b.input('x', [1, 11, 13, 3], q(scale(0.05), Math.floor(r() * 40) - 20));
  h = b.conv2d(h, { name: 'rows_of_9', ...layer(3, 5, 9), weightShape: [5, 3, 3, 3], stride: [1, 1], dilation: [1, 1], padding: 'SAME' });
  h = b.conv2d(h, { name: 'im2col_taps_of_5', ...layer(5, 5, 4), weightShape: [5, 2, 2, 5], stride: [1, 1], dilation: [2, 2], padding: 'SAME' });
  h = b.conv2d(h, { name: 'rows_of_15_stride_2', ...layer(5, 7, 9), weightShape: [7, 3, 3, 5], stride: [2, 2], dilation: [1, 1], padding: 'SAME' });
  h = b.depthwiseConv2d(h, { name: 'depthwise', ...layer(1, 7, 9), weights: new Int8Array(63).map(() => Math.floor(r() * 255) - 127), weightShape: [1, 3, 3, 7], stride: [1, 1], dilation: [1, 1], padding: 'SAME' });
  h = b.conv2d(h, { name: 'taps_of_7_dilated', ...layer(7, 9, 6), weightShape: [9, 2, 3, 7], stride: [1, 1], dilation: [1, 2], padding: 'SAME' });
  h = b.conv2d(h, { name: 'pointwise_13', ...layer(9, 13, 1), weightShape: [13, 1, 1, 9], stride: [1, 1], dilation: [1, 1], padding: 'VALID' });
  h = b.conv2d(h, { name: 'valid_5x1', ...layer(13, 3, 5), weightShape: [3, 5, 1, 13], stride: [1, 1], dilation: [1, 1], padding: 'VALID' });
  b.output(h);
  return b.build();
}

describe('WebAssembly kernels == TypeScript kernels on chained convolutions', () => {
  it('sharing one dirty scratch region, at the kernel block remainders, in every scheme', () => {
    for (const scheme of QUANT_SCHEMES) {
      for (let seed = 1; seed <= 2; seed++) {
        const g = chained(scheme, seed);
        expect(new Interpreter(g, { kernels: 'wasm' }).wasmOps).toHaveLength(7);
        expect(differences(g, seed), `${scheme.scales}/${scheme.rounding} seed ${seed}`).toEqual([]);
      }
    }
  });
});

describe('WebAssembly kernels == TypeScript kernels on crafted pooling', () => {
  for (const type of ['AVERAGE_POOL_2D', 'MAX_POOL_2D'] as const) {
    it(type, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const r = mulberry32(seed);
        const b = new GraphBuilder(`pool${seed}`, QUANT_SCHEMES[seed % QUANT_SCHEMES.length]);
        const x = b.input('x', [1, 3 + Math.floor(r() * 8), 3 + Math.floor(r() * 8), 1 + Math.floor(r() * 20)], q(2 ** -4, 3));
        const filter: [number, number] = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 3)];
        const stride: [number, number] = [1 + Math.floor(r() * 2), 1 + Math.floor(r() * 2)];
        b.output(b.pool(type, 'pool', x, filter, stride, r() < 0.5 ? 'SAME' : 'VALID', (['NONE', 'RELU', 'RELU6'] as const)[seed % 3]));
        const g = b.build();
        expect(new Interpreter(g, { kernels: 'wasm' }).wasmOps).toEqual(['pool']);
        expect(differences(g, seed), `seed ${seed}`).toEqual([]);
      }
    });
  }
});

describe('kernel choice', () => {
  const previous = process.env.EDGEQ_INTERPRETER_KERNELS;
  afterEach(() => {
    if (previous === undefined) delete process.env.EDGEQ_INTERPRETER_KERNELS;
    else process.env.EDGEQ_INTERPRETER_KERNELS = previous;
  });
  const g = () => crafted(QUANT_SCHEMES[0], 1, 'conv');

  it('reports which kernels run: the requested ones, wasm by default when built', () => {
    delete process.env.EDGEQ_INTERPRETER_KERNELS;
    expect(new Interpreter(g(), { kernels: 'typescript' }).kernels).toBe('typescript');
    expect(new Interpreter(g(), { kernels: 'wasm' }).kernels).toBe('wasm');
    expect(new Interpreter(g()).kernels).toBe('wasm');
    process.env.EDGEQ_INTERPRETER_KERNELS = 'typescript';
    expect(new Interpreter(g()).kernels).toBe('typescript');
  });

  it('refuses an unknown EDGEQ_INTERPRETER_KERNELS by name', () => {
    process.env.EDGEQ_INTERPRETER_KERNELS = 'gpu';
    expect(() => new Interpreter(g())).toThrow(/EDGEQ_INTERPRETER_KERNELS must be auto, wasm or typescript, got "gpu"/);
  });

});
