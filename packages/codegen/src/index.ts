/**
 * @edgeq/codegen — QGraph → static memory plan → C sources (model.c/.h) from the
 * handlebars templates in templates/, with the runtime copied beside them.
 */

export * from './memory-plan.js';
export * from './c-syntax.js';
export * from './emit-ops.js';
export * from './generate.js';
export * from './fast-kernels.js';
