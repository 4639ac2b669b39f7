/**
 * `edgeq generate`: QGraph (or spec) → firmware directory with model.c/model.h, the
 * runtime and a manifest (edgeq-firmware.json) recording target, scheme and sizes; for a
 * Cortex-M target a project (src/ library, harness/qemu/, Makefile, CMake library target,
 * optional Arduino/PlatformIO/Zephyr files). The directory appears complete or not at all.
 */

import path from 'node:path';
import type { Command } from 'commander';
import { action } from '../command.js';
import { writeOutput } from '../atomic.js';
import { usageError } from '../errors.js';
import { parseTarget } from '../targets.js';
import { bytes, optimizeOption, positiveInt, roundingOption, scalesOption, schemeText, targetOption, type OptimizeOpts, type SchemeOpts } from './common.js';

interface GenerateOpts extends SchemeOpts, OptimizeOpts {
  out: string;
  target: string;
  prefix?: string;
  /** Comma-separated on the command line; a string or an array of strings in edgeq.config.json. */
  integrations?: string | string[];
  /** Also write the UART parity agent (harness/serial-agent/) for a Cortex-M target. */
  serialAgent?: boolean;
  seed: number;
}

/** The manifest written beside the generated sources. */
export interface FirmwareManifest {
  generator: 'edgeq';
  model: string;
  source: string;
  target: string;
  quantization: { scales: string; rounding: string };
  prefix: string;
  files: string[];
  arenaBytes: number;
  constantBytes: number;
  ops: number;
  untrained: boolean;
  /**
   * Flash per layer: each CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED op's constant bytes,
   * the part its weights take, and their width (4: int4, packed two per byte).
   */
  layers: Array<{ op: number; type: string; constantBytes: number; weightBytes: number; weightBits: 4 | 8 }>;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate C firmware sources (model.c/.h + int8 runtime) from a QGraph or spec')
    .argument('<model>', 'model: x.qgraph.json, an architecture spec .json, or a shipped spec name (dscnn, mbv2mini)')
    .option('-o, --out <dir>', 'output directory (replaced atomically)', 'firmware')
    .addOption(targetOption())
    .addOption(scalesOption())
    .addOption(roundingOption())
    .addOption(optimizeOption())
    .option('--prefix <name>', 'C identifier prefix of the generated API (default: the model name)')
    .option('--integrations <list>', 'Cortex-M targets: also write arduino, platformio and/or zephyr files (comma-separated)')
    .option('--serial-agent', 'Cortex-M targets: also write the UART parity agent as harness/serial-agent/ (docs/serial-agent.md)')
    .option('--seed <n>', 'weight seed when the model is a spec (random int8 weights)', positiveInt('--seed'), 1)
    .addHelpText('after', '\nExample:\n  edgeq generate model.qgraph.json --target cortex-m4 --out firmware/\n')
    .action(
      action<GenerateOpts>(program, async ([modelArg], { opts, out }) => {
        const target = parseTarget(opts.target);
        if (opts.prefix !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.prefix)) throw usageError(`--prefix ${opts.prefix}: not a C identifier`);
        const { loadModelAsQGraph } = await import('../inputs/model.js');
        const { writeFirmwareDir } = await import('@edgeq/codegen');
        const { writeFileAtomic } = await import('@edgeq/ir');
        const m = await loadModelAsQGraph(modelArg, opts, opts.seed);
        if (m.untrained) out.warn(`${m.ref.file}: architecture spec without training: weights are random int8 (fine for sizing and parity, not for accuracy)`);
        await (await import('../fit-check.js')).checkModelFits(m.graph, [target], m.ref.file);
        const dir = path.resolve(opts.out);
        const manifest = await writeOutput(dir, 'dir', async (tmp) => {
          // A Cortex-M target gets a standalone firmware project (library, harness, Makefile/CMake).
          const device = target === 'host' ? undefined : await (await import('../components.js')).deviceApi();
          const integrations = (typeof opts.integrations === 'string' ? opts.integrations.split(',') : (opts.integrations ?? []))
            .map((i) => String(i).trim())
            .filter((i) => i !== '');
          if (integrations.length > 0 && !device) throw usageError('--integrations: needs a Cortex-M --target (the host target writes plain sources)');
          if (opts.serialAgent && !device) throw usageError('--serial-agent: needs a Cortex-M --target (the agent runs on the board)');
          const known: readonly string[] = device?.FIRMWARE_INTEGRATIONS ?? [];
          const unknown = integrations.find((i) => !known.includes(i));
          if (unknown !== undefined) throw usageError(`--integrations ${unknown}: unknown; use any of ${known.join(', ')}`);
          // The generators replace `tmp` with their own complete directory (it stays registered for Ctrl-C).
          let gen: Awaited<ReturnType<typeof writeFirmwareDir>>;
          let files: string[];
          if (device && target !== 'host') {
            const fw = await device.writeDeviceFirmwareDir(m.graph, tmp, {
              defaultCore: target,
              prefix: opts.prefix,
              integrations: integrations as (typeof device.FIRMWARE_INTEGRATIONS)[number][],
              serialAgent: !!opts.serialAgent,
              optimize: opts.optimize,
            });
            [gen, files] = [fw, fw.entries];
          } else {
            gen = await writeFirmwareDir(m.graph, tmp, { prefix: opts.prefix, optimize: opts.optimize });
            files = [...gen.files.keys(), 'runtime/'];
          }
          const man: FirmwareManifest = {
            generator: 'edgeq',
            model: m.graph.name,
            source: m.ref.file,
            target,
            quantization: { ...m.graph.quantization },
            prefix: gen.prefix,
            files,
            arenaBytes: gen.plan.arenaBytes,
            constantBytes: gen.constBytes,
            ops: gen.ops.length,
            untrained: m.untrained,
            layers: gen.ops.flatMap((op) => (op.weights ? [{ op: op.index, type: op.type, constantBytes: op.constBytes, weightBytes: op.weights.bytes, weightBits: op.weights.bits }] : [])),
          };
          await writeFileAtomic(path.join(tmp, 'edgeq-firmware.json'), JSON.stringify(man, null, 2) + '\n');
          return man;
        }, 'edgeq-firmware.json');
        out.json({ ok: true, outDir: dir, ...manifest });
        out.line(`generated ${manifest.model} for ${target} → ${path.relative(process.cwd(), dir) || '.'}/ (${schemeText(m.graph.quantization)})`);
        out.line(`  ${manifest.ops} ops · arena ${bytes(manifest.arenaBytes)} · constants ${bytes(manifest.constantBytes)} · API prefix ${manifest.prefix}_`);
        out.line(`  files: ${manifest.files.join(' ')} edgeq-firmware.json`);
      }),
    );
}
