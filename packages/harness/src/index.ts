/**
 * @edgeq/harness — builds generated firmware (host gcc; Cortex-M under QEMU), feeds it
 * input vectors, compares with the interpreter, and measures sizes and instructions.
 */

export * from './toolchain.js';
export * from './compare.js';
export * from './host.js';
export * from './vector-outputs.js';
export * from './sanitizer.js';
export { edgeqCacheDir } from './runtime-cache.js';
export * from './targets/index.js';
export { cachedRuntimeArchive } from './runtime-cache.js';
export * from './serial/index.js';
