/**
 * edgeq's WebAssembly SIMD training kernels against the tfjs wasm backend's own kernels (or
 * tf-op compositions) they replace, on the layer shapes of the reference models at 32 rows
 * (one worker's share of a 64-row batch on two workers). For each case both are called
 * alternately `--reps` times after a warm-up; the figures are the medians and their ratio
 * (backend / edgeq: above 1 means edgeq's kernel is faster), and `sameBits` says whether the
 * two outputs are identical (they are meant to be: the kernels add in the backend's order).
 *
 *   npx tsx bench/train-kernels.ts [--reps 300]
 *
 * Written to bench/results/train-kernels.json.
 */
import * as q from '@edgeq/qat';
import { positiveIntArg } from './lib/args.js';
import { median, writeResults } from './lib/record.js';

const tf = q.tf;
const reps = positiveIntArg('reps', '300');
const report = await q.initBackend('wasm');
if (!report.simdKernels) throw new Error(`edgeq's SIMD training kernels did not load (${report.skipped.join('; ')}): run bash scripts/bootstrap.sh`);
const backend = tf.backend();

type Shape4 = [number, number, number, number];
interface Case {
  /** Model and layer, e.g. "dscnn pointwise 64→64, 7×7". */
  name: string;
  /** edgeq's kernel and the baseline, each returning its output's values. */
  edgeq: () => q.tf.TensorInfo | q.tf.Tensor;
  baseline: () => q.tf.TensorInfo | q.tf.Tensor;
}

const random = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 7);
/** The backend's own kernel `name` (kept by edgeq when it replaced it) called directly. */
const own = (name: string, inputs: Record<string, q.tf.Tensor>, attrs: Record<string, unknown>) => () => {
  const f = q.backendKernel(name);
  if (!f) throw new Error(`no backend kernel kept for ${name}`);
  return f({ inputs, attrs: attrs as q.tf.NamedAttrMap, backend }) as q.tf.TensorInfo;
};
const run = (name: string, inputs: Record<string, q.tf.Tensor>, attrs: Record<string, unknown>) => () =>
  tf.engine().runKernel(name, inputs, attrs as q.tf.NamedAttrMap) as q.tf.Tensor;

function pointwise(model: string, x: Shape4, cout: number): Case[] {
  const [, h, w, cin] = x;
  const xs = random(x);
  const filter = random([1, 1, cin, cout]);
  const dy = random([x[0], h, w, cout]);
  const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] };
  return [
    { name: `${model} pointwise conv ${cin}→${cout}, ${h}×${w}`, edgeq: run('Conv2D', { x: xs, filter }, attrs), baseline: own('Conv2D', { x: xs, filter }, attrs) },
    {
      name: `${model} pointwise conv ${cin}→${cout}, ${h}×${w}: input gradient (baseline: transpose + matmul)`,
      edgeq: run('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: x }),
      baseline: () => tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(dy, [-1, cout]), tf.transpose(tf.reshape(filter, [cin, cout]))), x)),
    },
  ];
}

function depthwise(model: string, x: Shape4, stride: number): Case {
  const xs = random(x);
  const filter = random([3, 3, x[3], 1]);
  const attrs = { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
  return { name: `${model} depthwise 3×3 s${stride}, ${x[3]} channels, ${x[1]}×${x[2]}`, edgeq: run('DepthwiseConv2dNative', { x: xs, filter }, attrs), baseline: own('DepthwiseConv2dNative', { x: xs, filter }, attrs) };
}

function globalPool(model: string, x: Shape4): Case {
  const xs = random(x);
  const dy = random([x[0], x[3]]);
  const step = (pool: (t: q.tf.Tensor) => q.tf.Tensor) => () => tf.tidy(() => tf.grad((t: q.tf.Tensor) => tf.sum(tf.mul(pool(t), dy)))(xs));
  return { name: `${model} global average pool, ${x[3]} channels, ${x[1]}×${x[2]}: forward + gradient (baseline: tf.mean)`, edgeq: step(q.globalAvgPool), baseline: step((t) => tf.mean(t, [1, 2])) };
}

const cases: Case[] = [
  ...pointwise('dscnn', [32, 14, 14, 16], 32), ...pointwise('dscnn', [32, 7, 7, 32], 64), ...pointwise('dscnn', [32, 7, 7, 64], 64),
  ...pointwise('mbv2mini', [32, 14, 14, 16], 64), ...pointwise('mbv2mini', [32, 14, 14, 64], 16), ...pointwise('mbv2mini', [32, 7, 7, 24], 96), ...pointwise('mbv2mini', [32, 7, 7, 96], 24),
  depthwise('dscnn', [32, 14, 14, 16], 1), depthwise('dscnn', [32, 14, 14, 32], 2), depthwise('dscnn', [32, 7, 7, 64], 1),
  depthwise('mbv2mini', [32, 14, 14, 64], 1), depthwise('mbv2mini', [32, 14, 14, 64], 2), depthwise('mbv2mini', [32, 7, 7, 96], 1),
  globalPool('dscnn', [32, 7, 7, 64]), globalPool('mbv2mini', [32, 7, 7, 96]),
];

/** Values of a kernel's output, which is then released. */
function values(out: q.tf.TensorInfo | q.tf.Tensor): Float32Array {
  if (out instanceof q.tf.Tensor) {
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  }
  const v = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  return v;
}
function release(out: q.tf.TensorInfo | q.tf.Tensor): void {
  if (out instanceof q.tf.Tensor) out.dispose();
  else backend.disposeData(out.dataId);
}

const results: Record<string, unknown>[] = [];
for (const c of cases) {
  const a = values(c.edgeq());
  const b = values(c.baseline());
  const sameBits = a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  const times: [number[], number[]] = [[], []];
  for (let r = -30; r < reps; r++) {
    for (const [k, f] of [c.edgeq, c.baseline].entries()) {
      const t0 = performance.now();
      const out = f();
      const ms = performance.now() - t0;
      release(out);
      if (r >= 0) times[k].push(ms);
    }
  }
  const [edgeqMs, baselineMs] = times.map(median);
  results.push({ case: c.name, edgeqMs: +edgeqMs.toFixed(4), baselineMs: +baselineMs.toFixed(4), speedup: +(baselineMs / edgeqMs).toFixed(2), sameBits });
  console.log(`${c.name.padEnd(96)} edgeq ${edgeqMs.toFixed(3)} ms, backend ${baselineMs.toFixed(3)} ms: ${(baselineMs / edgeqMs).toFixed(2)}x${sameBits ? ', same bits' : ', DIFFERENT BITS'}`);
}
const speedups = results.map((r) => r.speedup as number);
console.log(`speed-up over the backend: ${Math.min(...speedups).toFixed(2)}–${Math.max(...speedups).toFixed(2)}x; same bits in ${results.filter((r) => r.sameBits).length} of ${results.length} cases`);
const file = await writeResults('train-kernels', { reps, rows: 32, backend: q.describeBackend(report), cases: results });
console.log(`wrote ${file}`);
