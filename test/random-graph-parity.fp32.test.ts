/** Property test, fp32 requantisation (XNNPACK's rule, docs/quantization-spec.md): 100 graphs. */
import { randomParitySuite } from './support/random-parity.js';

randomParitySuite('fixed/fp32', { scales: 'fixed', rounding: 'fp32' }, 100);
