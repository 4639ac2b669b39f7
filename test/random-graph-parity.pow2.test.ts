/** Property test, power-of-two scales: 200 graphs. */
import { randomParitySuite } from './support/random-parity.js';

randomParitySuite('pow2', { scales: 'pow2', rounding: 'tflm' }, 200);
