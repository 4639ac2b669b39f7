// Public surface of the Cortex-M target layer: target table, firmware build,
// QEMU run, sizes, RAM fit, instruction profile, and their typed errors.
export * from './table.js';
export * from './errors.js';
export * from './firmware-templates.js';
export * from './sizes.js';
export * from './ram-fit.js';
export * from './model-fit.js';
export * from './build.js';
export * from './qemu.js';
export * from './profile.js';
export * from './run-model.js';
export * from './device-parity.js';
export * from './harness-vectors.js';
export * from './firmware-dir.js';
