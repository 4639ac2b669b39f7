/**
 * The training-side commands on @edgeq/qat (TensorFlow.js). `train` trains the float model
 * of a spec and saves it as a model directory; `ptq` and `qat` start from a spec (trained
 * in the same run) or a saved float model, write a QGraph and, with `--save-model`, the
 * quantised model; `freeze` turns a saved quantised model into a QGraph.
 */

import { Option, type Command } from 'commander';
import { action } from '../command.js';
import { usageError } from '../errors.js';
import { parseRange } from '../inputs/input-range.js';
import { nonNegativeInt, positiveInt, positiveNumber, positiveNumbers, resultsOption, roundingOption, scalesOption, simWorkersOption } from './common.js';

/** `--task classification|binary|regression`. */
const taskOption = () =>
  new Option('--task <kind>', "what the model learns: classification (labels), binary (0/1 labels), regression (float targets; autoencoders with --targets input); default from the model's output layer (softmax: classification, linear: regression)")
    .choices(['classification', 'binary', 'regression']);

/** Parse a real number flag value. */
function realNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw usageError(`${flag} ${v}: expected a number`);
    return n;
  };
}

/** Held-out data options of train, ptq, qat (and, without --val-split, freeze). */
function testDataOptions(c: Command, valSplit: boolean): Command {
  c.option('--test-data <file>', 'held-out samples .npy (same shape as --data): float and int8 figures on it, side by side')
    .option('--test-labels <file>', 'labels .npy of --test-data (class ids or one-hot; 0/1 anomaly labels for an autoencoder: ROC-AUC of the reconstruction error)')
    .option('--test-targets <file>', 'float targets .npy of --test-data (regression; default "input" when --targets input)');
  if (valSplit) c.option('--val-split <fraction>', 'hold out the last FRACTION of the training data instead of --test-data', positiveNumber('--val-split'));
  return c;
}

/** Input quantisation options of ptq and qat. */
function inputQuantOptions(c: Command): Command {
  return c
    .option('--input-range <lo,hi>', 'real range of the model input to quantise (default: the training data\'s min and max; uint8 pixels: 0,1 on the 1/255 grid)', parseRange('--input-range'))
    .option('--input-scale <scale>', 'input quantisation scale (with --input-zero-point) instead of a range', positiveNumber('--input-scale'))
    .option('--input-zero-point <zp>', 'input quantisation zero point, -128..127 (with --input-scale)', realNumber('--input-zero-point'));
}

/**
 * Weight width options of ptq and qat (W4A8): `--weight-bits 4|8` and `--int8-layers LIST`,
 * the layers kept at 8 bits (layer names, `first`, `last`, comma-separated).
 */
function weightBitsOptions(c: Command): Command {
  return c
    .addOption(new Option('--weight-bits <bits>', 'weight bits of every conv/depthwise/dense layer: 8 (int8, the default) or 4 (int4 weights, int8 activations)').choices(['4', '8']))
    .option('--int8-layers <list>', 'with --weight-bits 4: layers kept at 8 bits, comma-separated layer names and/or the rules first, last (the first / last conv, depthwise or dense layer) and depthwise (every depthwise layer), e.g. first,last')
    .addOption(new Option('--int4-clipping <how>', 'with --weight-bits 4: how 4-bit weight scales are chosen: mse (the clip with the least squared error, default) or max (max |w| / 7)').choices(['mse', 'max']));
}

/** An option with a note appended to its description. */
function withDescription(o: Option, note: string): Option {
  o.description = `${o.description} ${note}`;
  return o;
}

/** Float training options shared by train, ptq and qat. */
function floatOptions(c: Command, defaults: { epochs: number; fineTuneEpochs: number }): Command {
  return testDataOptions(c, true)
    .option('-d, --data <source>', "training data: fashion-mnist[:train] or a .npy of samples of the model's input shape (float32, float64, uint8 pixels, int8)", 'fashion-mnist')
    .option('-l, --labels <file>', 'labels .npy of --data: class ids [N] or one-hot [N, classes] (classification, binary)')
    .option('--targets <input|file>', 'regression targets: a float .npy [N, outputs], or "input" (autoencoder: reconstruct the sample)')
    .addOption(taskOption())
    .option('-n, --limit <n>', 'train on the first N samples only', positiveInt('--limit'))
    .option('--epochs <n>', 'float epochs at --lr', positiveInt('--epochs'), defaults.epochs)
    .option('--lr <rate>', 'Adam learning rate of the float epochs', positiveNumber('--lr'), 1e-3)
    .option('--fine-tune-epochs <n>', 'extra float epochs at --fine-tune-lr', nonNegativeInt('--fine-tune-epochs'), defaults.fineTuneEpochs)
    .option('--fine-tune-lr <rate>', 'learning rate of the fine-tune epochs', positiveNumber('--fine-tune-lr'), 1e-4)
    .option('--batch <n>', 'batch size', positiveInt('--batch'), 64)
    .option('--seed <n>', 'initialisation and shuffling seed', positiveInt('--seed'), 1)
    .addOption(resultsOption())
    .option('--workers <n>', 'training worker threads, each step split across them (default 1: the main thread; N > 1 needs the wasm backend and a classification task)', positiveInt('--workers'));
}

export function registerTraining(program: Command): void {
  floatOptions(program.command('train'), { epochs: 5, fineTuneEpochs: 1 })
    .description('train a float model from an architecture spec and save it as a model directory (for ptq / qat)')
    .argument('<spec>', 'architecture spec .json or a shipped spec name (dscnn, mbv2mini)')
    .option('-o, --out <dir>', 'output model directory (edgeq-model.json + weights.bin)', 'model-float')
    .addHelpText('after', '\nExample:\n  edgeq train dscnn --epochs 5 --out out/float\n  edgeq qat out/float --save-model out/qat --out out/qat.qgraph.json\n')
    .action(
      action(program, async ([spec], { opts, out }) => {
        const { runTrain } = await import('../train-pipeline.js');
        await runTrain(spec, opts as never, out);
      }),
    );

  weightBitsOptions(inputQuantOptions(floatOptions(program.command('ptq'), { epochs: 5, fineTuneEpochs: 1 })))
    .description('post-training quantisation: train the float model of a spec (or load a saved one), calibrate on training images, freeze to a QGraph')
    .argument('<model>', 'architecture spec .json, a shipped spec name (dscnn, mbv2mini), a float model (a directory from edgeq train, a tfjs layers model, a Keras .keras/.h5 file or a float32 .tflite; the float options are then unused)')
    .option('--calibration <n>', 'calibration samples (the first N training samples)', positiveInt('--calibration'), 1000)
    .option('--per-tensor', 'per-tensor weight scales (default per-channel)')
    .addOption(scalesOption().default('fixed'))
    .addOption(roundingOption().default('tflm'))
    .option('--evaluate', 'judge the int8 graph (integer interpreter) next to float on the held-out data (implied by --test-data / --val-split; with Fashion-MNIST: its test set)')
    .addOption(simWorkersOption())
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-ptq.qgraph.json')
    .option('--save-model <dir>', 'also save the calibrated model as a model directory (edgeq freeze reads it)')
    .addHelpText('after', '\nExample:\n  edgeq ptq dscnn --epochs 5 --calibration 1000 --evaluate --out out/ptq.qgraph.json\n  edgeq ptq out/float --calibration 1000 --out out/ptq.qgraph.json\n')
    .action(
      action(program, async ([spec], { opts, out }) => {
        const { runPtq } = await import('../train-pipeline.js');
        await runPtq(spec, opts as never, out);
      }),
    );

  weightBitsOptions(inputQuantOptions(floatOptions(program.command('qat'), { epochs: 5, fineTuneEpochs: 0 })))
    .description('quantisation-aware training: train the float model of a spec (or load a saved one), fine-tune with fake-quant and folded BN, freeze to a QGraph')
    .argument('<model>', 'architecture spec .json, a shipped spec name (dscnn, mbv2mini), a float model (a directory from edgeq train, a tfjs layers model, a Keras .keras/.h5 file or a float32 .tflite; then only --data, --limit, --batch and --seed of the float options apply; --epochs numbers the QAT shuffles)')
    .option('--qat-epochs <n>', 'QAT epochs (default 1, or one per --qat-lr rate)', positiveInt('--qat-epochs'))
    .option('--qat-lr <rates>', 'Adam learning rate of the QAT epochs: one rate, or one per epoch, comma-separated (e.g. 1e-4,1e-4,3e-5,1e-5; a new Adam where the rate changes)', positiveNumbers('--qat-lr'), [1e-4])
    .addOption(new Option('--freeze-weight-scales <when>', 'with --weight-bits 4: when the 4-bit layers\' weight scales stop following the weights: half (at the BN freeze, half the QAT steps; the default) or never (recomputed every step)').choices(['half', 'never']))
    .option('--per-tensor', 'per-tensor weight scales (default per-channel)')
    .addOption(scalesOption().default('fixed'))
    .addOption(roundingOption().default('tflm'))
    .option('--evaluate', 'judge the int8 graph (integer interpreter) next to float on the held-out data (implied by --test-data / --val-split; with Fashion-MNIST: its test set)')
    .addOption(simWorkersOption())
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-qat.qgraph.json')
    .option('--save-model <dir>', 'also save the QAT model (weights, ranges, schedule state) as a model directory (edgeq freeze reads it)')
    .addHelpText('after', '\nExample:\n  edgeq qat dscnn --epochs 5 --qat-epochs 1 --scales pow2 --out out/qat-pow2.qgraph.json\n  edgeq qat out/float --qat-epochs 1 --save-model out/qat --out out/qat.qgraph.json\n  edgeq qat out/float --qat-epochs 2 --weight-bits 4 --int8-layers first,last --out out/qat-w4.qgraph.json\n')
    .action(
      action(program, async ([spec], { opts, out }) => {
        const { runQat } = await import('../train-pipeline.js');
        await runQat(spec, opts as never, out);
      }),
    );

  testDataOptions(program.command('freeze'), false)
    .description('freeze a saved quantised model (QAT or PTQ: folded BN, learned ranges) into an integer-only QGraph')
    .argument('<model>', 'model directory saved by edgeq qat or ptq --save-model')
    .addOption(withDescription(scalesOption(), "(default: the model's; another mode is refused)"))
    .addOption(withDescription(roundingOption(), "(default: the model's)"))
    .option('--evaluate', 'judge the int8 graph on the Fashion-MNIST test set (integer interpreter), or on --test-data')
    .addOption(taskOption())
    .addOption(simWorkersOption())
    .option('-o, --out <file>', 'output QGraph (.qgraph.json + .qgraph.bin)', 'model-qat.qgraph.json')
    .addHelpText('after', '\nExample:\n  edgeq freeze out/qat --out out/qat.qgraph.json\n')
    .action(
      action(program, async ([model], { opts, out }) => {
        const { runFreeze } = await import('../train-pipeline.js');
        await runFreeze(model, opts as never, out);
      }),
    );
}
