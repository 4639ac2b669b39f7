/**
 * Property test, fp32 requantisation (XNNPACK's rule, docs/quantization-spec.md): 100 graphs,
 * and 15 of the several-inputs-and-outputs family.
 */
import { randomParitySuite } from './support/random-parity.js';

randomParitySuite('fixed/fp32', { scales: 'fixed', rounding: 'fp32' }, 100);
randomParitySuite('fixed/fp32, several inputs and outputs', { scales: 'fixed', rounding: 'fp32' }, 15, { multiIo: true });
randomParitySuite('fixed/fp32, int4 weights', { scales: 'fixed', rounding: 'fp32' }, 25, { weightBits: 4 });
