/**
 * @edgeq/codegen — QGraph → static memory plan → C sources (model.c/.h) from the
 * handlebars templates in templates/, with the runtime copied beside them.
 */

export * from './memory-plan.js';
export * from './c-syntax.js';
export * from './emit/c-struct.js';
export * from './emit/emitter-support.js';
export * from './emit/fast-kernel.js';
export * from './emit/index.js';
export * from './generate.js';
export * from './fast-kernels.js';
export * from './fast-fully-connected.js';
export * from './fast-int4.js';
export * from './fast-elementwise.js';
export * from './fast-planner.js';
export * from './compact-requant.js';
export * from './computed-softmax.js';
export { FC_FAST_PARAMS_STRUCT, ADD_TABLE_PARAMS_STRUCT, type FcAddPlan } from './emit/fast-fc-add.js';
export { SOFTMAX_PARAMS_STRUCT, SOFTMAX_SCALING_PARAMS_STRUCT } from './emit/softmax.js';
