/**
 * @edgeq/cli — the `edgeq` command and the pieces scripts reuse: the results schema and
 * report writer, evaluation on the interpreter, cost measurements, model and data inputs.
 */

export { buildProgram, runCli, VERSION } from './program.js';
export { ExitCode, CliError, classifyError } from './errors.js';
export * from './report/schema.js';
export { writeReport, type ReportFiles } from './report/write.js';
export { buildCharts, type ChartSpec } from './report/charts.js';
export { renderSvg, svgToPng } from './report/render.js';
export { evaluate, observeActivationRanges, argmax, type Evaluation, type ObservedRange } from './evaluate.js';
export { graphCosts, countParameters, type GraphCosts } from './graph-costs.js';
export { timeHostC, timeInterpreter } from './inference-timing.js';
export { loadModelAsQGraph, resolveModel, type LoadedModel, type ModelRef } from './inputs/model.js';
export { loadInputSet, samplesToInputs, type InputSet } from './inputs/data.js';
export { readNpy, parseNpy, encodeNpy, type NpyArray } from './inputs/npy.js';
export { validateArchSpec, loadArchSpec, SPECS_DIR, SUPPORTED_LAYER_TYPES, type ArchSpec, type LayerSpec } from './inputs/arch-spec.js';
export { specToRandomQGraph } from './inputs/spec-graph.js';
export { runHostParity, randomInputs, type ParityResult } from './parity-run.js';
export { weightRangesOf } from './stats.js';
export { recordResults, mergeResults, readResultsFile, checkResultsFile, type ResultsPart } from './results-file.js';
export { writeOutput, OutputTransaction } from './atomic.js';
export { withProgress, withTrainingProgress, type ProgressTask, type EpochFigures, type TrainingPlan } from './progress.js';
export { textTable } from './output.js';
export { deviceApi, qatApi, type DeviceApi, type DeviceParityReport, type CortexMTarget, type QatApi, type QatModel, type ImageSet } from './components.js';
