/**
 * The shape of one op in the registry (ops/index.ts): everything the integer core knows
 * about an op type, in one object. Validation (validate.ts), parameter derivation
 * (op-params.ts), the interpreter (interpreter.ts), MAC counts and the arena planner
 * (codegen memory-plan.ts) all dispatch through it instead of switching on the op type.
 */

import type { QGraph } from '../qgraph.js';
import type { TensorData } from '../constants.js';

/**
 * One op of a graph as its definition sees it: the op type `Type` with its options
 * record `Options` (structurally the same as `OpDefOf<Type>` of qgraph.ts).
 */
export interface OpOf<Type extends string, Options> {
  type: Type;
  version: number;
  name: string;
  /** Tensor indices: activations and constants, in the op's own order. */
  inputs: number[];
  /** Tensor indices; every op has exactly one output. */
  outputs: number[];
  options: Options;
}

/**
 * One execution of a prepared op: reads `inputs` (aligned with `op.inputs`; a constant's
 * entry holds its decoded data) and writes every element of `output`. A heavy kernel's
 * run function belongs in the op's own module, not in a helper several ops share: one
 * closure per op keeps the kernel call monomorphic for the JIT (measured: sharing one
 * closure between CONV_2D and DEPTHWISE_CONV_2D cost dscnn about 5%).
 */
export type OpRun = (inputs: readonly TensorData[], output: TensorData) => void;

/** How the arena planner may place an op's output (packages/codegen memory-plan.ts). */
export interface OpMemory {
  /**
   * The output holds the same bytes as input 0 (a relabelling such as RESHAPE): they
   * are planned as one buffer and the device copies nothing.
   */
  outputAliasesInput: boolean;
  /**
   * The kernel reads each input element before writing the output element at the same
   * index (element-wise, e.g. ADD), so the output may overwrite an input of equal size
   * whose last use is this op.
   */
  mayRunInPlace: boolean;
}

/**
 * Everything the integer core knows about one op type. A new op is a module in
 * packages/ir/src/ops exporting one `OpDefinition`, plus its entry in the registry
 * (ops/index.ts); nothing else in packages/ir changes. See docs/adding-an-op.md.
 *
 * @typeParam Type the op type name as it appears in a QGraph (e.g. `'CONV_2D'`)
 * @typeParam Options the op's options record (declared in the op's module)
 * @typeParam Params the integer parameters `deriveParams` returns: a record with a `kind`
 *   tag (op-params.ts types, or the op module's own); `OpParams` is the union over the registry
 */
export interface OpDefinition<Type extends string = string, Options = unknown, Params = unknown> {
  /** Op version this QGraph version defines; documents with another version are refused. */
  readonly version: number;
  /**
   * Checks options, inputs and outputs of one op of a graph whose tensors and references
   * are already structurally valid (validate.ts). Throws a QGraphError naming `where`
   * (e.g. `ops[3] "conv1" (CONV_2D)`), or the input/output/option at fault.
   */
  validate(g: QGraph, op: OpOf<Type, Options>, where: string): void;
  /**
   * Derives the op's integer parameters (clamp range, padding, requantisation, tables)
   * once, from the graph's float32 scales; the interpreter runs them and the code
   * generator emits them. Throws a QGraphError when the scheme cannot express them.
   */
  deriveParams(g: QGraph, op: OpOf<Type, Options>): Params;
  /**
   * Prepares the interpreter kernel once per op (packs weights, builds tables, allocates
   * scratch) and returns the function that runs it. `constants` is aligned with
   * `op.inputs`: decoded data for constant inputs, undefined for activations.
   */
  prepare(g: QGraph, op: OpOf<Type, Options>, params: Params, constants: readonly (TensorData | undefined)[]): OpRun;
  /** Multiply–accumulates per inference (0 for ops without a dot product). */
  macs(g: QGraph, op: OpOf<Type, Options>): number;
  /** What the arena planner may share between the op's output and its inputs. */
  readonly memory: OpMemory;
}

/** Memory behaviour of an op that writes a fresh output buffer (most ops). */
export const SEPARATE_OUTPUT: OpMemory = { outputAliasesInput: false, mayRunInPlace: false };

/** MAC count of an op without multiply–accumulates. */
export const NO_MACS = (): number => 0;
