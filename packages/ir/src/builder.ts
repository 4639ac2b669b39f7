/**
 * GraphBuilder: constructs QGraphs in code (qat.freeze, .tflite import, reference models,
 * tests). It assigns tensor indices, packs constants into the blob and infers output
 * shapes; `build()` validates the result.
 */

import {
  OP_VERSIONS,
  QGRAPH_FORMAT,
  QGRAPH_VERSION,
  type DType,
  type FusedActivation,
  type OpDef,
  type OpOptionsMap,
  type OpType,
  type Padding,
  type QGraph,
  type QuantParams,
  type QuantScheme,
  type TensorDef,
} from './qgraph.js';
import { BlobBuilder } from './constants.js';
import { spatialGeometry } from './shapes.js';
import { validateQGraph } from './validate.js';

/** Per-tensor quantisation shorthand. */
export function q(scale: number, zeroPoint = 0): QuantParams {
  return { scale: [scale], zeroPoint: [zeroPoint] };
}

/** Per-channel symmetric weight quantisation along `axis`. */
export function qPerChannel(scales: number[], axis: number): QuantParams {
  return scales.length === 1 ? q(scales[0]) : { scale: scales, zeroPoint: scales.map(() => 0), axis };
}

export interface ConvSpec {
  name: string;
  weights: Int8Array;
  /** [cout, kh, kw, cin] for CONV_2D; [1, kh, kw, cin·mult] for depthwise. */
  weightShape: number[];
  weightScales: number[];
  /** 8 (default): int8 weights; 4: int4 weights, each value in [-8, 7], packed in the blob. */
  weightBits?: 4 | 8;
  bias: Int32Array;
  out: QuantParams;
  stride?: number | [number, number];
  dilation?: number | [number, number];
  padding?: Padding;
  activation?: FusedActivation;
}

const weightDType = (s: { weightBits?: 4 | 8 }): DType => (s.weightBits === 4 ? 'int4' : 'int8');

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

export class GraphBuilder {
  private tensors: TensorDef[] = [];
  private ops: OpDef[] = [];
  private inputs: number[] = [];
  private outputs: number[] = [];
  private blob = new BlobBuilder();
  private names = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly quantization: QuantScheme = { scales: 'fixed', rounding: 'tflm' },
  ) {}

  private uniqueName(base: string): string {
    let n = base;
    for (let k = 1; this.names.has(n); k++) n = `${base}_${k}`;
    this.names.add(n);
    return n;
  }

  /** Add a tensor; returns its index. An int4 tensor's data is given unpacked (Int8Array, values in [-8, 7]). */
  tensor(name: string, shape: number[], dtype: DType, quant?: QuantParams, data?: Int8Array | Int32Array | Float32Array): number {
    const t: TensorDef = { name: this.uniqueName(name), shape: [...shape], dtype };
    if (quant) t.quant = quant;
    if (data) t.buffer = this.blob.add(data, dtype);
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  shapeOf(t: number): number[] {
    return [...this.tensors[t].shape];
  }
  quantOf(t: number): QuantParams {
    return this.tensors[t].quant!;
  }

  input(name: string, shape: number[], quant?: QuantParams, dtype: DType = 'int8'): number {
    const t = this.tensor(name, shape, dtype, quant);
    this.inputs.push(t);
    return t;
  }

  output(t: number): void {
    this.outputs.push(t);
  }

  /**
   * Add an op of any registered type (ops/index.ts) whose output tensor is created here;
   * the typed helpers below (conv2d, add, pool...) are shorthands for it. Returns the output.
   */
  op<T extends OpType>(type: T, name: string, inputs: number[], options: OpOptionsMap[T], outShape: number[], outQuant?: QuantParams, outDtype: DType = 'int8'): number {
    const out = this.tensor(name, outShape, outDtype, outQuant);
    this.ops.push({ type, version: OP_VERSIONS[type], name, inputs, outputs: [out], options } as OpDef);
    return out;
  }

  private convLike(type: 'CONV_2D' | 'DEPTHWISE_CONV_2D', x: number, s: ConvSpec, mult = 1): number {
    const [sh, sw] = pair(s.stride, 1);
    const [dh, dw] = pair(s.dilation, 1);
    const padding = s.padding ?? 'SAME';
    const inShape = this.shapeOf(x);
    const [kh, kw] = [s.weightShape[1], s.weightShape[2]];
    const oh = spatialGeometry(inShape[1], kh, sh, dh, padding).out;
    const ow = spatialGeometry(inShape[2], kw, sw, dw, padding).out;
    const cout = type === 'CONV_2D' ? s.weightShape[0] : s.weightShape[3];
    const w = this.tensor(`${s.name}/weights`, s.weightShape, weightDType(s), qPerChannel(s.weightScales, type === 'CONV_2D' ? 0 : 3), s.weights);
    const b = this.tensor(`${s.name}/bias`, [cout], 'int32', undefined, s.bias);
    const common = { strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, padding, activation: s.activation ?? 'NONE' };
    const options = type === 'CONV_2D' ? common : { ...common, depthMultiplier: mult };
    return this.op(type, s.name, [x, w, b], options as never, [1, oh, ow, cout], s.out);
  }

  conv2d(x: number, s: ConvSpec): number {
    return this.convLike('CONV_2D', x, s);
  }

  depthwiseConv2d(x: number, s: ConvSpec, depthMultiplier = 1): number {
    return this.convLike('DEPTHWISE_CONV_2D', x, s, depthMultiplier);
  }

  fullyConnected(x: number, s: Omit<ConvSpec, 'stride' | 'dilation' | 'padding'>): number {
    const w = this.tensor(`${s.name}/weights`, s.weightShape, weightDType(s), qPerChannel(s.weightScales, 0), s.weights);
    const b = this.tensor(`${s.name}/bias`, [s.weightShape[0]], 'int32', undefined, s.bias);
    return this.op('FULLY_CONNECTED', s.name, [x, w, b], { activation: s.activation ?? 'NONE' }, [1, s.weightShape[0]], s.out);
  }

  add(name: string, a: number, b: number, out: QuantParams, activation: FusedActivation = 'NONE'): number {
    return this.op('ADD', name, [a, b], { activation }, this.shapeOf(a), out);
  }

  pool(type: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D', name: string, x: number, filter: [number, number], stride: [number, number], padding: Padding = 'VALID', activation: FusedActivation = 'NONE'): number {
    const s = this.shapeOf(x);
    const oh = spatialGeometry(s[1], filter[0], stride[0], 1, padding).out;
    const ow = spatialGeometry(s[2], filter[1], stride[1], 1, padding).out;
    const options = { filterH: filter[0], filterW: filter[1], strideH: stride[0], strideW: stride[1], padding, activation };
    return this.op(type, name, [x], options, [1, oh, ow, s[3]], this.quantOf(x));
  }

  mean(name: string, x: number, out: QuantParams, keepDims = false): number {
    const c = this.shapeOf(x)[3];
    return this.op('MEAN', name, [x], { axes: [1, 2], keepDims }, keepDims ? [1, 1, 1, c] : [1, c], out);
  }

  reshape(name: string, x: number, shape: number[]): number {
    return this.op('RESHAPE', name, [x], {}, shape, this.quantOf(x));
  }

  pad(name: string, x: number, paddings: [number, number][]): number {
    const s = this.shapeOf(x);
    return this.op('PAD', name, [x], { paddings }, s.map((d, i) => d + paddings[i][0] + paddings[i][1]), this.quantOf(x));
  }

  concat(name: string, xs: number[], out: QuantParams, activation: FusedActivation = 'NONE'): number {
    const s = this.shapeOf(xs[0]);
    const c = xs.reduce((sum, t) => sum + this.shapeOf(t)[3], 0);
    return this.op('CONCATENATION', name, xs, { axis: 3, activation }, [1, s[1], s[2], c], out);
  }

  softmax(name: string, x: number, beta = 1): number {
    return this.op('SOFTMAX', name, [x], { beta }, this.shapeOf(x), q(1 / 256, -128));
  }

  quantize(name: string, x: number, out: QuantParams): number {
    return this.op('QUANTIZE', name, [x], {}, this.shapeOf(x), out);
  }

  dequantize(name: string, x: number): number {
    return this.op('DEQUANTIZE', name, [x], {}, this.shapeOf(x), undefined, 'float32');
  }

  /** Assemble and validate the graph. */
  build(metadata?: Record<string, unknown>): QGraph {
    const blob = this.blob.build();
    const g: QGraph = {
      format: QGRAPH_FORMAT,
      version: QGRAPH_VERSION,
      name: this.name,
      quantization: this.quantization,
      tensors: this.tensors,
      inputs: this.inputs,
      outputs: this.outputs,
      ops: this.ops,
      blobByteLength: blob.length,
      blob,
      ...(metadata ? { metadata } : {}),
    };
    validateQGraph(g);
    return g;
  }
}
