/**
 * The matrix product behind the interpreter's CONV_2D and FULLY_CONNECTED: rows of
 * zero-point-offset inputs (pixels, or im2col patches) times the int8 filter, giving
 * int32 accumulators.
 *
 * Two output channels share one multiply: their weights are packed into one double,
 * w_even + 2^26 · w_odd, so x · packed = x·w_even + 2^26 · x·w_odd and one float64
 * multiply-add advances two exact integer dot products. Exactness argument (checked per
 * op by `packedProductIsExact`, otherwise `plainGemm` is used):
 *   every input |x| ≤ X (X ≤ 255, an int8 minus an int8 zero point) and every channel's
 *   Σ|w| ≤ Wsum, so each partial sum L of the even channel and H of the odd channel has
 *   |L|, |H| ≤ B = X · Wsum. With B < 2^25, every product and partial sum is an integer
 *   below 2^25 · 2^26 + 2^25 < 2^53, hence exact in float64, and the final S = L + 2^26·H
 *   splits back uniquely: H = round(S / 2^26) (|L / 2^26| < 1/2), L = S − 2^26·H.
 * The bias is added afterwards and the sum wrapped with `| 0`: bias + L is an exact
 * integer below 2^32 in magnitude, so the wrap equals the C runtime's int32 accumulation
 * (which never actually wraps: the validator bounds accumulators below 2^31).
 */

/** Packing factor 2^26 and its inverse. */
const PACK = 67108864;
const INV_PACK = 1 / PACK;
/** Exactness limit on B = max |x| · max_channel Σ|w| (see the module comment). */
const PACK_LIMIT = 33554432; // 2^25

/** Rows are processed four at a time, channels four (two packed pairs) at a time. */
export const ROW_BLOCK = 4;
export const CHANNEL_BLOCK = 4;

/** `n` rounded up to a multiple of `m`. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** A filter prepared once: weights [channel][depth], packed or plain, and padded bias. */
export interface PreparedFilter {
  readonly depth: number;
  readonly channels: number;
  /** Channels rounded up to CHANNEL_BLOCK: the row stride of the accumulator output. */
  readonly paddedChannels: number;
  /** Packed pairs [pair][depth] (packed) or plain weights [channel][depth] as doubles. */
  readonly weights: Float64Array;
  /** Bias padded with zeros to paddedChannels. */
  readonly bias: Int32Array;
  readonly packed: boolean;
}

/** Σ_t |w[c][t]| for each channel c of `w` ([channel][depth]). */
export function channelAbsSums(w: ArrayLike<number>, channels: number, depth: number): Float64Array {
  const sums = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    for (let t = 0; t < depth; t++) sums[c] += Math.abs(w[c * depth + t]);
  }
  return sums;
}

/** Whether packing `w` ([channel][depth]) is exact for inputs of magnitude ≤ maxAbsInput. */
export function packedProductIsExact(w: ArrayLike<number>, channels: number, depth: number, maxAbsInput: number): boolean {
  return maxAbsInput * Math.max(0, ...channelAbsSums(w, channels, depth)) < PACK_LIMIT;
}

/**
 * Prepare filter `w` ([channel][depth], OHWI flattened) with its bias for `gemm`.
 * @param maxAbsInput bound on |input − zero point| (at most 255 for int8)
 */
export function prepareFilter(w: ArrayLike<number>, bias: ArrayLike<number>, channels: number, depth: number, maxAbsInput: number): PreparedFilter {
  const paddedChannels = roundUp(channels, CHANNEL_BLOCK);
  const paddedBias = new Int32Array(paddedChannels);
  for (let c = 0; c < channels; c++) paddedBias[c] = bias[c];
  const packed = packedProductIsExact(w, channels, depth, maxAbsInput);
  const weights = new Float64Array((packed ? paddedChannels / 2 : paddedChannels) * depth);
  for (let c = 0; c < channels; c++) {
    for (let t = 0; t < depth; t++) {
      const v = w[c * depth + t];
      if (packed) weights[(c >> 1) * depth + t] += c & 1 ? v * PACK : v;
      else weights[c * depth + t] = v;
    }
  }
  return { depth, channels, paddedChannels, weights, bias: paddedBias, packed };
}

/**
 * acc[r][c] = bias[c] + Σ_t x[r][t] · w[c][t] (int32), for `rows` rows of `x` (row
 * stride f.depth, rows a multiple of ROW_BLOCK) into `acc` (row stride f.paddedChannels).
 */
export function gemm(x: Float64Array, rows: number, f: PreparedFilter, acc: Int32Array): void {
  (f.packed ? packedGemm : plainGemm)(x, rows, f, acc);
}

/** 4 rows × 2 packed pairs per block: 8 float64 accumulators, 16 dot products. */
function packedGemm(x: Float64Array, rows: number, f: PreparedFilter, acc: Int32Array): void {
  const { depth, paddedChannels: stride, weights: wp, bias } = f;
  for (let r = 0; r < rows; r += ROW_BLOCK) {
    const xa = r * depth;
    const xb = xa + depth;
    const xc = xb + depth;
    const xd = xc + depth;
    for (let c = 0; c < stride; c += CHANNEL_BLOCK) {
      const w0 = (c >> 1) * depth;
      const w1 = w0 + depth;
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, d0 = 0, d1 = 0;
      for (let t = 0; t < depth; t++) {
        const p0 = wp[w0 + t];
        const p1 = wp[w1 + t];
        const u = x[xa + t];
        a0 += u * p0;
        a1 += u * p1;
        const v = x[xb + t];
        b0 += v * p0;
        b1 += v * p1;
        const s = x[xc + t];
        c0 += s * p0;
        c1 += s * p1;
        const q = x[xd + t];
        d0 += q * p0;
        d1 += q * p1;
      }
      const k0 = bias[c];
      const k1 = bias[c + 1];
      const k2 = bias[c + 2];
      const k3 = bias[c + 3];
      let o = r * stride + c;
      let h = Math.round(a0 * INV_PACK);
      acc[o] = (k0 + (a0 - h * PACK)) | 0;
      acc[o + 1] = (k1 + h) | 0;
      h = Math.round(a1 * INV_PACK);
      acc[o + 2] = (k2 + (a1 - h * PACK)) | 0;
      acc[o + 3] = (k3 + h) | 0;
      o += stride;
      h = Math.round(b0 * INV_PACK);
      acc[o] = (k0 + (b0 - h * PACK)) | 0;
      acc[o + 1] = (k1 + h) | 0;
      h = Math.round(b1 * INV_PACK);
      acc[o + 2] = (k2 + (b1 - h * PACK)) | 0;
      acc[o + 3] = (k3 + h) | 0;
      o += stride;
      h = Math.round(c0 * INV_PACK);
      acc[o] = (k0 + (c0 - h * PACK)) | 0;
      acc[o + 1] = (k1 + h) | 0;
      h = Math.round(c1 * INV_PACK);
      acc[o + 2] = (k2 + (c1 - h * PACK)) | 0;
      acc[o + 3] = (k3 + h) | 0;
      o += stride;
      h = Math.round(d0 * INV_PACK);
      acc[o] = (k0 + (d0 - h * PACK)) | 0;
      acc[o + 1] = (k1 + h) | 0;
      h = Math.round(d1 * INV_PACK);
      acc[o + 2] = (k2 + (d1 - h * PACK)) | 0;
      acc[o + 3] = (k3 + h) | 0;
    }
  }
}

/**
 * Unpacked fallback for filters too large to pack: one float64 dot product per channel.
 * Exact while depth · 255 · 127 < 2^53, i.e. for any filter that fits in memory.
 */
function plainGemm(x: Float64Array, rows: number, f: PreparedFilter, acc: Int32Array): void {
  const { depth, channels, paddedChannels: stride, weights: w, bias } = f;
  for (let r = 0; r < rows; r++) {
    const xr = r * depth;
    for (let c = 0; c < channels; c++) {
      const wc = c * depth;
      let s = 0;
      for (let t = 0; t < depth; t++) s += x[xr + t] * w[wc + t];
      acc[r * stride + c] = (bias[c] + s) | 0;
    }
  }
}
