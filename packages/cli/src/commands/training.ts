/**
 * The training-side commands on @edgeq/qat (TensorFlow.js). `ptq` and `qat` train the
 * float model of a spec and carry it to a QGraph in one process; `train` (a float model
 * directory out) and `freeze` (a saved QAT model in) need @edgeq/qat to save and load its
 * models, and say so with exit code 7 until it can.
 */

import type { Command } from 'commander';
import { action } from '../command.js';
import { unavailable } from '../errors.js';
import { nonNegativeInt, positiveInt, positiveNumber, roundingOption, scalesOption } from './common.js';

const needsModelIo = (what: string) =>
  unavailable(`${what} passes a model between commands, which needs @edgeq/qat to save and load its models — not in this build yet; "edgeq ptq" and "edgeq qat" train from a spec and write the QGraph in one run`);

/** Float training options shared by train, ptq and qat. */
function floatOptions(c: Command, defaults: { epochs: number; fineTuneEpochs: number }): Command {
  return c
    .option('-d, --data <source>', 'training data: fashion-mnist[:train] or images .npy (with --labels)', 'fashion-mnist')
    .option('-l, --labels <file>', 'labels .npy when --data is a .npy file')
    .option('-n, --limit <n>', 'train on the first N images only', positiveInt('--limit'))
    .option('--epochs <n>', 'float epochs at --lr', positiveInt('--epochs'), defaults.epochs)
    .option('--lr <rate>', 'Adam learning rate of the float epochs', positiveNumber('--lr'), 1e-3)
    .option('--fine-tune-epochs <n>', 'extra float epochs at --fine-tune-lr', nonNegativeInt('--fine-tune-epochs'), defaults.fineTuneEpochs)
    .option('--fine-tune-lr <rate>', 'learning rate of the fine-tune epochs', positiveNumber('--fine-tune-lr'), 1e-4)
    .option('--batch <n>', 'batch size', positiveInt('--batch'), 64)
    .option('--seed <n>', 'initialisation and shuffling seed', positiveInt('--seed'), 1);
}

export function registerTraining(program: Command): void {
  floatOptions(program.command('train'), { epochs: 5, fineTuneEpochs: 1 })
    .description('train a float model from an architecture spec (tfjs layers model directory out)')
    .argument('<spec>', 'architecture spec .json or a shipped spec name (dscnn, mbv2mini)')
    .option('-o, --out <dir>', 'output tfjs model directory', 'model-float')
    .addHelpText('after', '\nExample:\n  edgeq train dscnn --epochs 5 --out out/float\n')
    .action(action(program, async () => { throw needsModelIo('train'); }));

  floatOptions(program.command('ptq'), { epochs: 5, fineTuneEpochs: 1 })
    .description('post-training quantisation: train the float model of a spec, calibrate on training images, freeze to a QGraph')
    .argument('<spec>', 'architecture spec .json or a shipped spec name (dscnn, mbv2mini)')
    .option('--calibration <n>', 'calibration images (the first N training images)', positiveInt('--calibration'), 1000)
    .option('--per-tensor', 'per-tensor weight scales (default per-channel)')
    .addOption(scalesOption().default('fixed'))
    .addOption(roundingOption().default('tflm'))
    .option('--evaluate', 'report int8 top-1 on the Fashion-MNIST test set (integer interpreter)')
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-ptq.qgraph.json')
    .addHelpText('after', '\nExample:\n  edgeq ptq dscnn --epochs 5 --calibration 1000 --evaluate --out out/ptq.qgraph.json\n')
    .action(
      action(program, async ([spec], { opts, out }) => {
        const { runPtq } = await import('../train-pipeline.js');
        await runPtq(spec, opts as never, out);
      }),
    );

  floatOptions(program.command('qat'), { epochs: 5, fineTuneEpochs: 0 })
    .description('quantisation-aware training: train the float model of a spec, fine-tune with fake-quant and folded BN, freeze to a QGraph')
    .argument('<spec>', 'architecture spec .json or a shipped spec name (dscnn, mbv2mini)')
    .option('--qat-epochs <n>', 'QAT epochs', positiveInt('--qat-epochs'), 1)
    .option('--qat-lr <rate>', 'Adam learning rate of the QAT epochs', positiveNumber('--qat-lr'), 1e-4)
    .option('--per-tensor', 'per-tensor weight scales (default per-channel)')
    .addOption(scalesOption().default('fixed'))
    .addOption(roundingOption().default('tflm'))
    .option('--evaluate', 'report int8 top-1 on the Fashion-MNIST test set (integer interpreter)')
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-qat.qgraph.json')
    .addHelpText('after', '\nExample:\n  edgeq qat dscnn --epochs 5 --qat-epochs 1 --scales pow2 --out out/qat-pow2.qgraph.json\n')
    .action(
      action(program, async ([spec], { opts, out }) => {
        const { runQat } = await import('../train-pipeline.js');
        await runQat(spec, opts as never, out);
      }),
    );

  program
    .command('freeze')
    .description('freeze a saved QAT model (folded BN, learned ranges) into an integer-only QGraph')
    .argument('<model>', 'QAT model directory')
    .addOption(scalesOption().default('fixed'))
    .addOption(roundingOption().default('tflm'))
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-qat.qgraph.json')
    .addHelpText('after', '\nExample:\n  edgeq freeze out/qat --out out/qat.qgraph.json\n')
    .action(action(program, async () => { throw needsModelIo('freeze'); }));
}
