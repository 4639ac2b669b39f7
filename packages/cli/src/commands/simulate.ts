/**
 * `edgeq simulate`: runs the integer reference interpreter on inputs (a data file, or
 * seeded random int8 vectors, which also feed models with several inputs) and reports
 * predictions, top-1 accuracy against labels, and (on request) every layer's output
 * tensor as .npy files for per-layer debugging.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Interpreter, inputVectorTensors, writeFileAtomic, type InputVector, type QGraph } from '@edgeq/ir';
import { action } from '../command.js';
import { usageError } from '../errors.js';
import { writeOutput } from '../atomic.js';
import { encodeNpy } from '../inputs/npy.js';
import { withProgress } from '../progress.js';
import { positiveInt, resultsOption, roundingOption, scalesOption, simWorkersOption, type SchemeOpts } from './common.js';

interface SimulateOpts extends SchemeOpts {
  data?: string;
  random?: number;
  labels?: string;
  limit?: number;
  dumpLayers?: string;
  dumpCount: number;
  predictions?: string;
  seed: number;
  results?: string;
  simWorkers?: number;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run the int8 interpreter on inputs: predictions, accuracy, per-layer tensors')
    .argument('<model>', 'x.qgraph.json, an architecture spec .json, or a shipped spec name')
    .option('-d, --data <source>', 'images: a .npy file ([N,28,28], [N,28,28,1] or [N,784]; uint8 pixels, float or int8) or fashion-mnist[:test]')
    .option('--random <n>', 'instead of --data: N seeded random int8 vectors (one per model input)', positiveInt('--random'))
    .option('-l, --labels <file>', 'labels .npy (integer class ids) for accuracy and the confusion matrix')
    .option('-n, --limit <n>', 'use only the first N samples', positiveInt('--limit'))
    .option('--dump-layers <dir>', 'write every layer output of the first samples as .npy files (+ index.json)')
    .option('--dump-count <k>', 'how many samples --dump-layers writes', positiveInt('--dump-count'), 1)
    .option('--predictions <file>', 'write predicted class ids as .npy (int32)')
    .addOption(scalesOption())
    .addOption(roundingOption())
    .option('--seed <n>', 'weight seed when the model is a spec, and seed of --random', positiveInt('--seed'), 1)
    .addOption(simWorkersOption())
    .addOption(resultsOption())
    .addHelpText('after', '\nExample:\n  edgeq simulate model.qgraph.json --data test-images.npy --labels test-labels.npy\n')
    .action(
      action<SimulateOpts>(program, async ([modelArg], { opts, out }) => {
        if (!opts.data && !opts.random) throw usageError('give --data <source> or --random <n>');
        if (opts.data && opts.random) throw usageError('--data and --random: give one of them');
        if (opts.random && opts.labels) throw usageError('--labels: only with --data');
        await (await import('../results-file.js')).checkResultsFile(opts.results);
        const { loadModelAsQGraph } = await import('../inputs/model.js');
        const { loadInputSet } = await import('../inputs/data.js');
        const { randomInputs } = await import('../parity-run.js');
        const { evaluate } = await import('../evaluate.js');
        const m = await loadModelAsQGraph(modelArg, opts, opts.seed);
        const set: { source: string; inputs: InputVector[]; labels?: Int32Array } = opts.data
          ? await loadInputSet(m.graph, { data: opts.data, labels: opts.labels, limit: opts.limit })
          : { source: `${opts.random} seeded random int8 vectors`, inputs: randomInputs(m.graph, opts.random!, opts.seed) };
        const silent = out.opts.json || out.opts.quiet;
        const ev = await withProgress('simulate', set.inputs.length, { silent }, (task) => evaluate(m.graph, set.inputs, set.labels, task, { workers: opts.simWorkers }));
        if (opts.predictions) await writeFileAtomic(path.resolve(opts.predictions), encodeNpy(ev.predictions, [ev.predictions.length]));
        let dumped: string | undefined;
        if (opts.dumpLayers) dumped = await dumpLayers(m.graph, set.inputs.slice(0, opts.dumpCount), opts.dumpLayers);
        if (opts.results) {
          const { graphVariant, simulatePart } = await import('../command-results.js');
          const ranges = await (await import('../evaluate.js')).observeActivationRanges(m.graph, set.inputs.slice(0, RANGE_SAMPLES));
          await (await import('../results-file.js')).recordResults(opts.results, 'simulate', simulatePart(m.graph, graphVariant(m.graph, m.ref, m.untrained), ev, set.inputs.length, set.source, ranges));
        }
        out.json({
          ok: true,
          model: m.graph.name,
          samples: set.inputs.length,
          ...(ev.accuracy !== undefined ? { correct: ev.correct, accuracy: ev.accuracy, confusion: ev.confusion } : {}),
          predictions: Array.from(ev.predictions),
          interpreter: { kernels: ev.kernels, workers: ev.workers, samplesOnWorkers: ev.samplesOnWorkers },
          ...(dumped ? { layersDir: dumped } : {}),
        });
        out.line(`simulated ${m.graph.name} (int8 interpreter) on ${set.inputs.length} samples from ${set.source}`);
        if (ev.accuracy !== undefined) out.result(`top-1 accuracy: ${(100 * ev.accuracy).toFixed(2)}% (${ev.correct}/${set.inputs.length})`);
        else out.line(`predictions: ${Array.from(ev.predictions.subarray(0, 20)).join(' ')}${ev.predictions.length > 20 ? ' …' : ''}`);
        if (m.graph.outputs.length > 1) out.line(`(predictions: argmax of output 0 "${m.graph.tensors[m.graph.outputs[0]].name}" of ${m.graph.outputs.length})`);
        if (m.untrained) out.warn('random untrained weights: the accuracy figure is meaningless');
        if (dumped) out.line(`layer tensors → ${path.relative(process.cwd(), dumped)}/`);
      }),
    );
}

/** Samples whose activation ranges --results records. */
const RANGE_SAMPLES = 200;

/** Characters of an op name kept in a --dump-layers file name. */
const DUMP_NAME_CHARS = 100;

/** Write every intermediate tensor of the first samples as `<sample>/<op index>_<name>.npy`. */
async function dumpLayers(g: QGraph, inputs: readonly InputVector[], dir: string): Promise<string> {
  const abs = path.resolve(dir);
  const interp = new Interpreter(g);
  await writeOutput(abs, 'dir', async (tmp) => {
    const index: unknown[] = [];
    for (const [s, x] of inputs.entries()) {
      const values = interp.run(inputVectorTensors(g, x), { keepIntermediates: true }).intermediates!;
      const sub = path.join(tmp, `sample${s}`);
      await fs.mkdir(sub, { recursive: true });
      for (const [k, op] of g.ops.entries()) {
        const t = g.tensors[op.outputs[0]];
        // Op names from TFLite converters run to hundreds of characters: keep a file name well under
        // NAME_MAX (255 bytes); the op index keeps it unique and index.json has the full name.
        const file = `${String(k).padStart(2, '0')}_${op.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, DUMP_NAME_CHARS)}.npy`;
        await fs.writeFile(path.join(sub, file), encodeNpy(values.get(op.outputs[0])!, t.shape));
        if (s === 0) index.push({ op: k, name: op.name, type: op.type, file, shape: t.shape, dtype: t.dtype, quant: t.quant ?? null });
      }
    }
    await fs.writeFile(path.join(tmp, 'index.json'), JSON.stringify({ model: g.name, samples: inputs.length, layers: index }, null, 2) + '\n');
  }, 'index.json');
  return abs;
}
