/**
 * Integer-core demo: the reference models (deterministic weights) run on real
 * Fashion-MNIST test images through the interpreter, generated C on the host (gcc, with
 * ASan+UBSan) and the same C on an emulated Cortex-M4 (QEMU), with bit-exact parity,
 * arena and constant sizes, and instructions per inference.
 *
 * Usage: npx tsx examples/host-parity/run.ts [--images 1000]
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { buildReferenceModel, REFERENCE_MODELS, type QGraph } from '@edgeq/ir';
import { deviceParity, getCortexMTarget, hostParity } from '@edgeq/harness';

const IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
const i = process.argv.indexOf('--images');
const count = i >= 0 ? Number(process.argv[i + 1]) : 1000;

if (!existsSync(IMAGES)) {
  console.error(`${IMAGES} not found: install the Debian package dataset-fashion-mnist`);
  process.exit(2);
}
const idx = gunzipSync(readFileSync(IMAGES));
const images = Array.from({ length: Math.min(count, idx.readUInt32BE(4)) }, (_, k) => idx.subarray(16 + k * 784, 16 + (k + 1) * 784));

function quantise(g: QGraph, pixels: Uint8Array): Int8Array {
  const { scale, zeroPoint } = g.tensors[g.inputs[0]].quant!;
  return Int8Array.from(pixels, (p) => Math.max(-128, Math.min(127, Math.round(p / 255 / scale[0]) + zeroPoint[0])));
}

for (const name of REFERENCE_MODELS) {
  for (const scales of ['fixed', 'pow2'] as const) {
    const g = buildReferenceModel(name, { scales, rounding: 'tflm' });
    const inputs = images.map((p) => quantise(g, p));
    const host = await hostParity(g, inputs, { sanitize: true });
    console.log(`${name} (${scales}): ${host.line}; arena ${host.arenaBytes} B, constants ${host.constBytes} B`);
    if (name === 'dscnn') {
      const dev = await deviceParity(g, inputs, { target: getCortexMTarget('cortex-m4') });
      const perInference = Math.round(dev.profile.instructionsPerInference);
      console.log(`${name} (${scales}): ${dev.line}; ~${perInference.toLocaleString('en-US')} instructions per inference (QEMU -icount: instructions, not cycles)`);
    }
  }
}
