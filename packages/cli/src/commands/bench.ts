/**
 * `edgeq bench`: what a model costs — MACs, parameters, static arena, constant bytes,
 * interpreter and host-C speed; flash, RAM and executed instructions per Cortex-M core
 * once @edgeq/harness's targets are in the build.
 */

import type { Command } from 'commander';
import { action } from '../command.js';
import { unavailable } from '../errors.js';
import { bytes, positiveInt, roundingOption, scalesOption, type SchemeOpts } from './common.js';
import { textTable } from '../output.js';
import { parseTargets } from '../targets.js';

interface BenchOpts extends SchemeOpts {
  targets: string;
  runs: number;
  seed: number;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure a model: MACs, parameters, arena/constant bytes, speed; flash/RAM/instructions per target')
    .argument('<model>', 'x.qgraph.json, an architecture spec .json, or a shipped spec name')
    .option('--targets <list>', 'comma-separated targets to measure', 'host')
    .option('--runs <n>', 'inferences to time', positiveInt('--runs'), 200)
    .addOption(scalesOption())
    .addOption(roundingOption())
    .option('--seed <n>', 'seed for spec weights and the timed random inputs', positiveInt('--seed'), 1)
    .addHelpText('after', '\nExample:\n  edgeq bench mbv2mini --targets host --runs 500\n')
    .action(
      action<BenchOpts>(program, async ([modelArg], { opts, out }) => {
        const targets = parseTargets(opts.targets);
        const emulated = targets.filter((t) => t !== 'host');
        if (emulated.length) throw unavailable(`--targets ${emulated.join(',')}: flash/RAM/instruction counts under QEMU need @edgeq/harness's Cortex-M targets, which are not in this build yet (use --targets host)`);
        const { loadModelAsQGraph } = await import('../inputs/model.js');
        const { graphCosts, timeHostC, timeInterpreter } = await import('../measure.js');
        const { randomInputs } = await import('../parity-run.js');
        const m = await loadModelAsQGraph(modelArg, opts, opts.seed);
        const costs = await graphCosts(m.graph);
        const inputs = randomInputs(m.graph, opts.runs, opts.seed);
        const interpMs = timeInterpreter(m.graph, inputs.slice(0, Math.min(inputs.length, 50)));
        const hostUs = await timeHostC(m.graph, inputs);
        const rows = [{ target: 'host', runner: 'gcc -O2', usPerInference: hostUs }];
        out.json({ ok: true, model: m.graph.name, ...costs, interpreterMsPerInference: interpMs, targets: rows });
        out.line(`${m.graph.name}: ${costs.ops} ops · ${costs.macs.toLocaleString('en-US')} MACs · ${costs.parameters.toLocaleString('en-US')} parameters`);
        out.line(`arena ${bytes(costs.arenaBytes)} · constants ${bytes(costs.constBytes)} · interpreter ${interpMs.toFixed(2)} ms/inference`);
        out.result(textTable(['target', 'runner', 'µs/inference'], rows.map((r) => [r.target, r.runner, r.usPerInference.toFixed(1)])));
      }),
    );
}
