/**
 * 4-bit weights: how an `int4` constant tensor's values sit in the QGraph blob. Two
 * values per byte in TFLite's order (element 2k in the low nibble, element 2k+1 in the
 * high nibble; an odd count leaves the last high nibble zero). Everything that computes
 * reads weights unpacked (`constantData` gives an Int8Array), so only the blob, the
 * .tflite buffers and the generated C arrays hold the packed form.
 */

/** Smallest int4 value (two's complement, as TFLite and CMSIS-NN define int4). */
export const INT4_MIN = -8;
/** Largest int4 value. */
export const INT4_MAX = 7;

/** Bytes `count` int4 values occupy when packed. */
export function int4ByteLength(count: number): number {
  return (count + 1) >> 1;
}

/**
 * Packs int4 values two per byte (low nibble first). Throws a RangeError naming the first
 * element outside [-8, 7], so a bad weight never becomes a silently wrapped nibble.
 */
export function packInt4(values: ArrayLike<number>, what = 'int4 tensor'): Uint8Array {
  const packed = new Uint8Array(int4ByteLength(values.length));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < INT4_MIN || v > INT4_MAX) {
      throw new RangeError(`${what}: element ${i} is ${v}, outside the int4 range [${INT4_MIN}, ${INT4_MAX}]`);
    }
    packed[i >> 1] |= (v & 0xf) << ((i & 1) * 4);
  }
  return packed;
}

/** Unpacks `count` int4 values (low nibble first) into an Int8Array. */
export function unpackInt4(packed: Uint8Array, count: number): Int8Array {
  if (packed.length < int4ByteLength(count)) {
    throw new RangeError(`int4 data holds ${packed.length} bytes, ${count} values need ${int4ByteLength(count)}`);
  }
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const nibble = (packed[i >> 1] >> ((i & 1) * 4)) & 0xf;
    out[i] = (nibble << 28) >> 28;
  }
  return out;
}
