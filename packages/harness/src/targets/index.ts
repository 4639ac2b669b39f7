// Public surface of the Cortex-M target layer: target table, firmware build,
// QEMU run, sizes, RAM fit, instruction profile, and their typed errors.
export * from './table.ts';
export * from './errors.ts';
export * from './toolchain.ts';
export * from './firmware-templates.ts';
export * from './sizes.ts';
export * from './ram-fit.ts';
export * from './build.ts';
export * from './qemu.ts';
export * from './profile.ts';
export * from './run-model.ts';
