/**
 * The training-side commands — `train` (float), `ptq`, `qat`, `freeze` — with their
 * options and defaults from the design notes' recipe. They run on @edgeq/qat
 * (TensorFlow.js); until that package is part of the build they say so and exit 7.
 */

import type { Command } from 'commander';
import { action } from '../command.js';
import { unavailable } from '../errors.js';
import { positiveInt, positiveNumber, roundingOption, scalesOption } from './common.js';

const needsQat = (what: string) => unavailable(`${what} needs @edgeq/qat (TensorFlow.js training, calibration and freeze), which is not in this build yet`);

export function registerTraining(program: Command): void {
  program
    .command('train')
    .description('train a float model from an architecture spec (tfjs layers model directory out)')
    .argument('<spec>', 'architecture spec .json or a shipped spec name (dscnn, mbv2mini)')
    .option('-d, --data <source>', 'training data: fashion-mnist or images .npy (with --labels)', 'fashion-mnist')
    .option('-l, --labels <file>', 'labels .npy when --data is a .npy file')
    .option('--epochs <n>', 'epochs at --lr', positiveInt('--epochs'), 5)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber('--lr'), 1e-3)
    .option('--fine-tune-epochs <n>', 'extra epochs at --fine-tune-lr', positiveInt('--fine-tune-epochs'), 1)
    .option('--fine-tune-lr <rate>', 'learning rate of the fine-tune epochs', positiveNumber('--fine-tune-lr'), 1e-4)
    .option('--batch <n>', 'batch size', positiveInt('--batch'), 64)
    .option('-n, --limit <n>', 'train on the first N images only', positiveInt('--limit'))
    .option('--seed <n>', 'initialisation and shuffling seed', positiveInt('--seed'), 1)
    .option('-o, --out <dir>', 'output tfjs model directory', 'model-float')
    .addHelpText('after', '\nExample:\n  edgeq train dscnn --epochs 5 --out out/float\n')
    .action(action(program, async () => { throw needsQat('train'); }));

  program
    .command('ptq')
    .description('post-training quantisation: calibrate activation ranges of a float model and write a QGraph')
    .argument('<model>', 'float tfjs layers model directory')
    .option('-d, --data <source>', 'calibration data: fashion-mnist or images .npy', 'fashion-mnist')
    .option('--calibration <n>', 'calibration images', positiveInt('--calibration'), 1000)
    .option('--per-tensor', 'per-tensor weight scales (default per-channel)')
    .addOption(scalesOption().default('fixed'))
    .addOption(roundingOption().default('tflm'))
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-ptq.qgraph.json')
    .addHelpText('after', '\nExample:\n  edgeq ptq out/float --calibration 1000 --out out/ptq.qgraph.json\n')
    .action(action(program, async () => { throw needsQat('ptq'); }));

  program
    .command('qat')
    .description('quantisation-aware training: fine-tune a float model with fake-quant and folded BN')
    .argument('<model>', 'float tfjs layers model directory')
    .option('-d, --data <source>', 'training data: fashion-mnist or images .npy', 'fashion-mnist')
    .option('--epochs <n>', 'QAT epochs', positiveInt('--epochs'), 1)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber('--lr'), 1e-4)
    .option('--batch <n>', 'batch size', positiveInt('--batch'), 64)
    .option('--freeze-bn-after <epochs>', 'freeze BN statistics after this many epochs', positiveNumber('--freeze-bn-after'))
    .addOption(scalesOption().default('fixed'))
    .option('-n, --limit <n>', 'train on the first N images only', positiveInt('--limit'))
    .option('-o, --out <dir>', 'output QAT model directory', 'model-qat')
    .addHelpText('after', '\nExample:\n  edgeq qat out/float --epochs 1 --lr 1e-4 --out out/qat\n')
    .action(action(program, async () => { throw needsQat('qat'); }));

  program
    .command('freeze')
    .description('freeze a QAT model (folded BN, learned ranges) into an integer-only QGraph')
    .argument('<model>', 'QAT model directory written by `edgeq qat`')
    .addOption(scalesOption().default('fixed'))
    .addOption(roundingOption().default('tflm'))
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-qat.qgraph.json')
    .addHelpText('after', '\nExample:\n  edgeq freeze out/qat --out out/qat.qgraph.json\n')
    .action(action(program, async () => { throw needsQat('freeze'); }));
}
