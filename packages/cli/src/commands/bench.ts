/**
 * `edgeq bench`: what a model costs — MACs, parameters, static arena, constant bytes,
 * interpreter and host-C speed; flash, RAM and executed instructions per Cortex-M core
 * under QEMU (@edgeq/harness's Cortex-M targets).
 */

import type { Command } from 'commander';
import { usageError } from '../errors.js';
import type { Output } from '../output.js';
import { action } from '../command.js';
import { bytes, optimizeOption, positiveInt, resultsOption, roundingOption, scalesOption, type OptimizeOpts, type SchemeOpts } from './common.js';
import { textTable } from '../output.js';
import { parseTargets } from '../targets.js';

/** One measured target. */
interface BenchRow {
  target: string;
  runner: string;
  usPerInference?: number;
  flashBytes?: number;
  ramBytes?: number;
  instructions?: number;
}

interface BenchOpts extends SchemeOpts, OptimizeOpts {
  targets: string;
  runs: number;
  seed: number;
  port?: string;
  baud?: number;
  flashCmd?: string;
  linkTimeout?: number;
  results?: string;
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
    .addOption(optimizeOption())
    .option('--seed <n>', 'seed for spec weights and the timed random inputs', positiveInt('--seed'), 1)
    .option('--port <device>', 'measure cycles on a board with the serial agent: a serial device, tcp:HOST:PORT, or qemu:<target>')
    .option('--baud <n>', 'serial baud rate for --port', positiveInt('--baud'), 115200)
    .option('--flash-cmd <command>', 'with --port: shell command that flashes the board first')
    .option('--link-timeout <ms>', 'with --port: resend a request after this long without a byte from the board', positiveInt('--link-timeout'), 2000)
    .addOption(resultsOption())
    .addHelpText('after', '\nExample:\n  edgeq bench mbv2mini --targets host --runs 500\n  edgeq bench model.qgraph.json --port /dev/ttyACM0 --runs 20   (board running the serial agent)\n')
    .action(
      action<BenchOpts>(program, async ([modelArg], { opts, out }) => {
        if (opts.port !== undefined && opts.results) throw usageError('--results: not recorded for --port runs yet (record a host or QEMU run)');
        if (opts.port !== undefined) return benchOnPort(modelArg, opts, out);
        if (opts.flashCmd) throw usageError('--flash-cmd: only with --port');
        await (await import('../results-file.js')).checkResultsFile(opts.results);
        const targets = parseTargets(opts.targets);
        const emulated = targets.filter((t) => t !== 'host');
        const device = emulated.length ? await (await import('../components.js')).deviceApi() : undefined;
        const { loadModelAsQGraph } = await import('../inputs/model.js');
        const { graphCosts } = await import('../graph-costs.js');
        const { timeHostC, timeInterpreter } = await import('../inference-timing.js');
        const { randomInputs } = await import('../parity-run.js');
        const m = await loadModelAsQGraph(modelArg, opts, opts.seed);
        await (await import('../fit-check.js')).checkModelFits(m.graph, targets, m.ref.file);
        const costs = await graphCosts(m.graph);
        const inputs = randomInputs(m.graph, opts.runs, opts.seed);
        const interpMs = timeInterpreter(m.graph, inputs.slice(0, Math.min(inputs.length, 50)));
        const rows: BenchRow[] = [];
        if (targets.includes('host')) rows.push({ target: 'host', runner: 'gcc -O2', usPerInference: await timeHostC(m.graph, inputs, { optimize: opts.optimize }) });
        for (const t of emulated) {
          const target = device!.getCortexMTarget(t);
          const d = await device!.deviceParity(m.graph, inputs.slice(0, Math.min(inputs.length, 20)), { target, codegen: { optimize: opts.optimize } });
          if (d.stats.exactVectors !== d.stats.vectors) out.warn(d.line);
          const s = d.build.sections;
          rows.push({ target: t, runner: `qemu ${target.qemuMachine}`, flashBytes: s.flash, ramBytes: s.ramStatic + s.stack, instructions: Math.round(d.profile.instructionsPerInference) });
        }
        if (opts.results) {
          const { benchPart, graphVariant } = await import('../command-results.js');
          await (await import('../results-file.js')).recordResults(opts.results, 'bench', benchPart(m.graph, graphVariant(m.graph, m.ref, m.untrained), costs, rows));
        }
        out.json({ ok: true, model: m.graph.name, ...costs, interpreterMsPerInference: interpMs, targets: rows });
        out.line(`${m.graph.name}: ${costs.ops} ops · ${costs.macs.toLocaleString('en-US')} MACs · ${costs.parameters.toLocaleString('en-US')} parameters`);
        out.line(`arena ${bytes(costs.arenaBytes)} · constants ${bytes(costs.constBytes)} · interpreter ${interpMs.toFixed(2)} ms/inference`);
        const cell = (n: number | undefined, f: (n: number) => string) => (n === undefined ? '—' : f(n));
        const int = (n: number) => n.toLocaleString('en-US');
        out.result(textTable(['target', 'runner', 'flash B', 'RAM B', 'instructions', 'µs/inference'], rows.map((r) => [r.target, r.runner, cell(r.flashBytes, int), cell(r.ramBytes, int), cell(r.instructions, int), cell(r.usPerInference, (n) => n.toFixed(1))])));
        if (rows.some((r) => r.instructions !== undefined)) out.line('instructions: executed per inference under QEMU -icount (not cycles)');
      }),
    );
}

/** `edgeq bench --port`: cycles per inference as the serial agent measures them on the board. */
async function benchOnPort(modelArg: string, opts: BenchOpts, out: Output): Promise<void> {
  const { loadModelAsQGraph } = await import('../inputs/model.js');
  const { randomInputs } = await import('../parity-run.js');
  const { cyclesText, serialBenchRun } = await import('../serial-run.js');
  const m = await loadModelAsQGraph(modelArg, opts, opts.seed);
  const r = await serialBenchRun(m.graph, randomInputs(m.graph, opts.runs, opts.seed), { port: opts.port!, baud: opts.baud, flashCmd: opts.flashCmd, linkTimeout: opts.linkTimeout });
  out.json({ ok: true, model: m.graph.name, port: opts.port, board: r.info, counter: r.counter, runs: r.runs, cyclesPerInference: r.cyclesMean, cyclesMin: r.cyclesMin, cyclesMax: r.cyclesMax });
  out.line(`board at ${opts.port} serves ${r.info.name} (graph hash ${r.info.graphHash}); ${r.runs} inferences`);
  out.result(cyclesText(r.cyclesMean, r.counter, r.info.coreHz) + (r.counter === 'none' ? '' : ` · min ${r.cyclesMin.toLocaleString('en-US')} · max ${r.cyclesMax.toLocaleString('en-US')}`));
  out.line('under QEMU these count emulated time (-icount: instructions), not a real board\'s cycles: docs/serial-agent.md');
}
