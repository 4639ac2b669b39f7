/**
 * Architecture specs: the small JSON description of a CNN (conv / depthwise / inverted
 * residual blocks / pooling / dense) that @edgeq/qat builds float models from and
 * reference-models.ts builds random-weight QGraphs from. One schema (the types are
 * inferred from it), one validation with errors naming the file, the layer and the field,
 * and the design notes' reference models (dscnn, mbv2mini) written once, as specs.
 */

import { z } from 'zod';

const act = z.enum(['relu', 'relu6', 'linear']);
const posInt = z.number().int().positive();
const name = z.string().min(1).optional();

/** Schema of each supported layer type. */
const LAYER_SCHEMAS = {
  conv: z.strictObject({ type: z.literal('conv'), filters: posInt, kernel: posInt, stride: posInt.optional(), bn: z.boolean().optional(), act: act.optional(), name }),
  dw: z.strictObject({ type: z.literal('dw'), kernel: posInt, stride: posInt.optional(), multiplier: posInt.optional(), bn: z.boolean().optional(), act: act.optional(), name }),
  /** MobileNet-v2 inverted residual: pw expand (ReLU6) → dw 3x3 (ReLU6) → pw project (linear), + input when shapes match. */
  ir: z.strictObject({ type: z.literal('ir'), expand: posInt, out: posInt, stride: posInt.optional(), name }),
  maxpool: z.strictObject({ type: z.literal('maxpool'), size: posInt, stride: posInt.optional(), name }),
  avgpool: z.strictObject({ type: z.literal('avgpool'), size: posInt, stride: posInt.optional(), name }),
  gap: z.strictObject({ type: z.literal('gap'), name }),
  flatten: z.strictObject({ type: z.literal('flatten'), name }),
  dense: z.strictObject({ type: z.literal('dense'), units: posInt, act: act.optional(), name }),
  softmax: z.strictObject({ type: z.literal('softmax'), name }),
} as const;

const L = LAYER_SCHEMAS;
/** Schema of a whole spec: input [height, width, channels] and its layers, in order. */
export const ARCH_SPEC_SCHEMA = z.object({
  name: z.string().min(1),
  input: z.tuple([posInt, posInt, posInt]),
  layers: z.array(z.discriminatedUnion('type', [L.conv, L.dw, L.ir, L.maxpool, L.avgpool, L.gap, L.flatten, L.dense, L.softmax])).min(1),
});

/** A whole model: input [h, w, c] and its layers, in order. */
export type ArchSpec = z.infer<typeof ARCH_SPEC_SCHEMA>;
/** One layer of a spec. */
export type LayerSpec = ArchSpec['layers'][number];
export type LayerType = LayerSpec['type'];
/** An activation a spec layer may name. */
export type ActName = z.infer<typeof act>;
/** Layer types a spec may use. */
export const SUPPORTED_LAYER_TYPES = Object.keys(LAYER_SCHEMAS) as LayerType[];

/** A spec that cannot be used; the message starts with the file and the layer at fault. */
export class ArchSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchSpecError';
  }
}

/** True when a parsed JSON document looks like an architecture spec. */
export function looksLikeSpec(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as { layers?: unknown }).layers);
}

/**
 * Validate a parsed spec.
 * @param source the file (or other origin) that starts every error message
 * @throws ArchSpecError naming the file, the layer and the field
 */
export function validateArchSpec(doc: unknown, source: string): ArchSpec {
  const d = doc as Partial<ArchSpec>;
  if (typeof d !== 'object' || d === null) throw new ArchSpecError(`${source}: not an architecture spec (expected a JSON object)`);
  if (typeof d.name !== 'string' || !d.name) throw new ArchSpecError(`${source}: name: expected a non-empty string`);
  const input = d.input as unknown;
  if (!Array.isArray(input) || input.length !== 3 || input.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new ArchSpecError(`${source}: input: expected [height, width, channels] of positive integers`);
  }
  if (!Array.isArray(d.layers) || d.layers.length === 0) throw new ArchSpecError(`${source}: layers: expected a non-empty array`);
  const layers = d.layers.map((raw, i) => {
    const label = `${source}: layers[${i}]${raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? ` "${(raw as { name: string }).name}"` : ''}`;
    const type = (raw as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') throw new ArchSpecError(`${label}: missing layer type`);
    if (!(type in LAYER_SCHEMAS)) {
      throw new ArchSpecError(`${label}: layer type "${type}" is not supported (supported: ${SUPPORTED_LAYER_TYPES.join(', ')})`);
    }
    const r = LAYER_SCHEMAS[type as LayerType].safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ArchSpecError(`${label}: ${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}`);
    }
    return r.data as LayerSpec;
  });
  return { name: d.name, input: input as [number, number, number], layers };
}

/** dscnn of the design notes (depthwise-separable CNN, ~0.5 M MACs). */
export const DSCNN_SPEC: ArchSpec = {
  name: 'dscnn',
  input: [28, 28, 1],
  layers: [
    { type: 'conv', filters: 16, kernel: 3, stride: 2, bn: true, act: 'relu6', name: 'conv1' },
    { type: 'dw', kernel: 3, stride: 1, bn: true, act: 'relu6', name: 'dw2' },
    { type: 'conv', filters: 32, kernel: 1, bn: true, act: 'relu6', name: 'pw2' },
    { type: 'dw', kernel: 3, stride: 2, bn: true, act: 'relu6', name: 'dw3' },
    { type: 'conv', filters: 64, kernel: 1, bn: true, act: 'relu6', name: 'pw3' },
    { type: 'dw', kernel: 3, stride: 1, bn: true, act: 'relu6', name: 'dw4' },
    { type: 'conv', filters: 64, kernel: 1, bn: true, act: 'relu6', name: 'pw4' },
    { type: 'gap', name: 'gap' },
    { type: 'dense', units: 10, name: 'dense' },
    { type: 'softmax', name: 'softmax' },
  ],
};

/** mbv2mini of the design notes (MobileNet-v2 style inverted residuals). */
export const MBV2MINI_SPEC: ArchSpec = {
  name: 'mbv2mini',
  input: [28, 28, 1],
  layers: [
    { type: 'conv', filters: 16, kernel: 3, stride: 2, bn: true, act: 'relu6', name: 'conv1' },
    { type: 'ir', expand: 4, out: 16, stride: 1, name: 'ir1' },
    { type: 'ir', expand: 4, out: 24, stride: 2, name: 'ir2' },
    { type: 'ir', expand: 4, out: 24, stride: 1, name: 'ir3' },
    { type: 'conv', filters: 96, kernel: 1, bn: true, act: 'relu6', name: 'pw_head' },
    { type: 'gap', name: 'gap' },
    { type: 'dense', units: 10, name: 'dense' },
    { type: 'softmax', name: 'softmax' },
  ],
};

/** Names of the reference models. */
export type ReferenceModelName = 'dscnn' | 'mbv2mini';
/** The reference models, in the order tests and benchmarks list them. */
export const REFERENCE_MODELS: readonly ReferenceModelName[] = ['dscnn', 'mbv2mini'];
/** The reference models' specs by name. */
export const REFERENCE_SPECS: Readonly<Record<ReferenceModelName, ArchSpec>> = { dscnn: DSCNN_SPEC, mbv2mini: MBV2MINI_SPEC };
