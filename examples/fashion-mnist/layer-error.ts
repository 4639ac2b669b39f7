/**
 * Per-layer error between the float model and an int8 QGraph frozen from it (RMSE and
 * SQNR): @edgeq/qat's layerError, which the CLI also runs on the user's held-out data.
 */

export { layerError } from '@edgeq/qat';
