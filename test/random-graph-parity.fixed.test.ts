/**
 * Property test, fixed-point scales: 200 graphs with tflm rounding, 100 with single rounding,
 * and 30 (tflm) of the several-inputs-and-outputs family.
 */
import { randomParitySuite } from './support/random-parity.js';

randomParitySuite('fixed/tflm', { scales: 'fixed', rounding: 'tflm' }, 200);
randomParitySuite('fixed/single', { scales: 'fixed', rounding: 'single' }, 100);
randomParitySuite('fixed/tflm, several inputs and outputs', { scales: 'fixed', rounding: 'tflm' }, 30, { multiIo: true });
randomParitySuite('fixed/tflm, int4 weights', { scales: 'fixed', rounding: 'tflm' }, 25, { weightBits: 4 });
randomParitySuite('fixed/single, int4 and int8 layers', { scales: 'fixed', rounding: 'single' }, 25, { weightBits: 'mixed' });
