/** Property test, fixed-point scales: 200 graphs with tflm rounding, 100 with single rounding. */
import { randomParitySuite } from './support/random-parity.js';

randomParitySuite('fixed/tflm', { scales: 'fixed', rounding: 'tflm' }, 200);
randomParitySuite('fixed/single', { scales: 'fixed', rounding: 'single' }, 100);
