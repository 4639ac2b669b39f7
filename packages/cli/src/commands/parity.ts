/**
 * `edgeq parity`: runs the generated C on a target and checks every output against the
 * integer interpreter, bit for bit. Host (gcc, optionally ASan+UBSan) today; Cortex-M
 * cores under QEMU come from @edgeq/harness's targets. Exit code 5 when not bit-exact.
 */

import type { Command } from 'commander';
import type { Output } from '../output.js';
import { action } from '../command.js';
import { ExitCode, usageError, type ExitCodeValue } from '../errors.js';
import { withProgress } from '../progress.js';
import { parseTarget } from '../targets.js';
import { optimizeOption, positiveInt, resultsOption, roundingOption, scalesOption, simWorkersOption, targetOption, type OptimizeOpts, type SchemeOpts } from './common.js';

interface ParityOpts extends SchemeOpts, OptimizeOpts {
  target: string;
  data?: string;
  limit?: number;
  random?: number;
  sanitize?: boolean;
  seed: number;
  port?: string;
  baud?: number;
  perLayer?: boolean;
  flashCmd?: string;
  linkTimeout?: number;
  results?: string;
  simWorkers?: number;
}

export function registerParity(program: Command): void {
  program
    .command('parity')
    .description('check the generated C against the interpreter, bit for bit (host gcc, or a Cortex-M core under QEMU)')
    .argument('<model>', 'x.qgraph.json, an architecture spec .json, or a shipped spec name')
    .addOption(targetOption())
    .option('-d, --data <source>', 'input vectors: a .npy file or fashion-mnist[:test] (default: --random 100)')
    .option('-n, --limit <n>', 'use only the first N samples of --data', positiveInt('--limit'))
    .option('--random <n>', 'use N seeded random int8 input vectors', positiveInt('--random'))
    .option('--sanitize', 'host only: build with AddressSanitizer + UndefinedBehaviorSanitizer')
    .addOption(scalesOption())
    .addOption(roundingOption())
    .addOption(optimizeOption())
    .option('--seed <n>', 'seed for spec weights and random inputs', positiveInt('--seed'), 1)
    .option('--port <device>', 'run on a board with the serial agent: a serial device (/dev/ttyACM0), tcp:HOST:PORT, or qemu:<target> (agent firmware built and booted under QEMU)')
    .option('--baud <n>', 'serial baud rate for --port', positiveInt('--baud'), 115200)
    .option('--per-layer', 'with --port: compare every layer of one vector and name the first that differs')
    .option('--flash-cmd <command>', 'with --port: shell command that flashes the board first (e.g. probe-rs download …)')
    .option('--link-timeout <ms>', 'with --port: resend a request after this long without a byte from the board', positiveInt('--link-timeout'), 2000)
    .addOption(simWorkersOption())
    .addOption(resultsOption())
    .addHelpText('after', '\nExit code 5 when any output differs.\n\nExample:\n  edgeq parity model.qgraph.json --data test-images.npy --target host\n  edgeq parity model.qgraph.json --port /dev/ttyACM0 --per-layer   (board running the serial agent, docs/serial-agent.md)\n')
    .action(
      action<ParityOpts>(program, async ([modelArg], { opts, out }) => {
        if (opts.port === undefined && (opts.perLayer || opts.flashCmd)) throw usageError('--per-layer and --flash-cmd: only with --port');
        if (opts.port !== undefined && opts.results) throw usageError('--results: not recorded for --port runs yet (record a host or QEMU run)');
        if (opts.port !== undefined) return parityOnPort(modelArg, opts, out);
        await (await import('../results-file.js')).checkResultsFile(opts.results);
        const target = parseTarget(opts.target);
        if (opts.data && opts.random) throw usageError('--data and --random: give one of them');
        if (opts.sanitize && target !== 'host') throw usageError('--sanitize: only for --target host');
        const device = target === 'host' ? undefined : await (await import('../components.js')).deviceApi();
        const { loadModelAsQGraph } = await import('../inputs/model.js');
        const { loadInputSet } = await import('../inputs/data.js');
        const { mergeStats, randomInputs, runHostParity } = await import('../parity-run.js');
        const { parityLine } = await import('@edgeq/harness');
        const m = await loadModelAsQGraph(modelArg, opts, opts.seed);
        await (await import('../fit-check.js')).checkModelFits(m.graph, [target], m.ref.file);
        const set = opts.data ? await loadInputSet(m.graph, { data: opts.data, limit: opts.limit }) : { inputs: randomInputs(m.graph, opts.random ?? 100, opts.seed), source: `${opts.random ?? 100} seeded random int8 vectors` };
        const inputs = set.inputs;
        const silent = out.opts.json || out.opts.quiet;
        const r = device
          ? await withProgress(`parity ${target}`, inputs.length, { silent }, async (task) => {
              // Slices of at least 2,000 vectors (each is one firmware build and QEMU run) so the bar moves.
              const t = device.getCortexMTarget(target);
              const slice = Math.max(2000, Math.ceil(inputs.length / 5));
              const parts = [];
              let last;
              for (let at = 0; at < inputs.length; at += slice) {
                const chunk = inputs.slice(at, at + slice);
                last = await device.deviceParity(m.graph, chunk, { target: t, timeoutMs: 120_000 + 50 * chunk.length, codegen: { optimize: opts.optimize }, simulationWorkers: opts.simWorkers });
                parts.push(last.stats);
                task.tick(chunk.length);
              }
              const stats = mergeStats(parts);
              const line = parityLine(stats, `${t.title}`);
              return { target, runner: `qemu ${t.qemuMachine}`, line, stats, arenaBytes: last!.model.plan.arenaBytes, constBytes: last!.model.constBytes, instructionsPerInference: last!.profile.instructionsPerInference, firstDifferingOp: undefined };
            })
          : await withProgress('parity', inputs.length, { silent }, (task) => runHostParity(m.graph, inputs, !!opts.sanitize, task, { optimize: opts.optimize }, opts.simWorkers));
        const exact = r.stats.exactVectors === r.stats.vectors;
        if (opts.results) {
          const { graphVariant, parityPart } = await import('../command-results.js');
          await (await import('../results-file.js')).recordResults(opts.results, 'parity', parityPart(m.graph, graphVariant(m.graph, m.ref, m.untrained), r, `${inputs.length.toLocaleString('en-US')} vectors from ${set.source}`));
        }
        out.json({ ok: exact, model: m.graph.name, ...r });
        out.result(r.line);
        if (r.firstDifferingOp) {
          const f = r.firstDifferingOp;
          out.result(`first differing op: #${f.opIndex} ${f.opName} (${f.opType}), vector ${f.vector}, element ${f.element}: expected ${f.expected}, got ${f.actual}`);
        }
        return exact ? ExitCode.OK : ExitCode.CHECK_FAILED;
      }),
    );
}

/** `edgeq parity --port`: the same comparison against a board running the serial agent. */
async function parityOnPort(modelArg: string, opts: ParityOpts, out: Output): Promise<ExitCodeValue> {
  if (opts.sanitize) throw usageError('--sanitize: only for --target host');
  const { loadModelAsQGraph } = await import('../inputs/model.js');
  const { loadInputSet } = await import('../inputs/data.js');
  const { randomInputs } = await import('../parity-run.js');
  const { cyclesText, layerTable, serialParityRun } = await import('../serial-run.js');
  const m = await loadModelAsQGraph(modelArg, opts, opts.seed);
  const inputs = opts.data ? (await loadInputSet(m.graph, { data: opts.data, limit: opts.limit })).inputs : randomInputs(m.graph, opts.random ?? 100, opts.seed);
  const silent = out.opts.json || out.opts.quiet;
  const r = await withProgress(`parity ${opts.port}`, inputs.length, { silent }, async (task) => {
    let done = 0;
    return serialParityRun(m.graph, inputs, { port: opts.port!, baud: opts.baud, flashCmd: opts.flashCmd, linkTimeout: opts.linkTimeout, perLayer: !!opts.perLayer }, (n) => {
      task.tick(n - done);
      done = n;
    });
  });
  const exact = r.stats.exactVectors === r.stats.vectors;
  const { info, linkEvents } = r;
  out.json({ ok: exact, model: m.graph.name, target: 'serial', runner: opts.port, line: r.line, stats: r.stats, board: info, cyclesPerInference: r.cyclesPerInference, counter: r.counter, layers: r.layers, layerVector: r.layerVector, firstDifferingOp: r.firstDifferingOp, linkEvents });
  out.line(`board serves ${info.name} (graph hash ${info.graphHash}) · ${cyclesText(r.cyclesPerInference, r.counter, info.coreHz)}`);
  // Resends alone are a slow link; damaged frames, NAKs and restarts are link trouble worth a warning.
  if (linkEvents.naks + linkEvents.damaged + linkEvents.restartedRuns > 0) out.warn(`link: recovered from ${linkEvents.resends} resends, ${linkEvents.naks} NAKs, ${linkEvents.damaged} damaged frames, ${linkEvents.restartedRuns} restarted runs (${linkEvents.boots} board restarts seen)`);
  out.result(r.line);
  if (r.layers) {
    out.line(`per-layer, vector ${r.layerVector}: device vs simulation (the int8 interpreter)`);
    out.result(layerTable(r));
    const f = r.firstDifferingOp;
    out.result(f
      ? `first differing layer: #${f.opIndex} ${f.opName} (${f.opType}), vector ${f.vector}, element ${f.element}: expected ${f.expected}, got ${f.actual}`
      : 'every layer bit-exact');
  }
  return exact && !r.firstDifferingOp ? ExitCode.OK : ExitCode.CHECK_FAILED;
}
