/** Property test, power-of-two scales: 200 graphs, and 15 of the several-inputs-and-outputs family. */
import { randomParitySuite } from './support/random-parity.js';

randomParitySuite('pow2', { scales: 'pow2', rounding: 'tflm' }, 200);
randomParitySuite('pow2, several inputs and outputs', { scales: 'pow2', rounding: 'tflm' }, 15, { multiIo: true });
randomParitySuite('pow2, int4 and int8 layers', { scales: 'pow2', rounding: 'tflm' }, 25, { weightBits: 'mixed' });
