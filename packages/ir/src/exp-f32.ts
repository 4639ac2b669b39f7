/**
 * The correctly rounded float32 exponential of a float32 argument ≤ 0: the one exp the
 * fp32-mode SOFTMAX table uses (docs/quantization-spec.md), so that the table follows
 * from the spec alone and not from the platform's Math.exp. Math.exp (error < 1 ulp of
 * double) decides almost every case; when its result lies too close to a float32
 * rounding boundary to decide, an exact BigInt evaluation does.
 */

const f32 = Math.fround;

/** Below this, exp(x) < 2^-158, under half the smallest float32 subnormal: rounds to 0. */
const EXP_ROUNDS_TO_ZERO_BELOW = -110;

/**
 * exp(x) rounded to the nearest float32 (ties to even), for a float32 x ≤ 0.
 * @throws RangeError for x > 0 or NaN (the softmax table never asks for them)
 */
export function correctlyRoundedExpF32(x: number): number {
  if (!(x <= 0)) throw new RangeError(`correctlyRoundedExpF32: argument must be ≤ 0, got ${x}`);
  if (x < EXP_ROUNDS_TO_ZERO_BELOW) return 0;
  const e = Math.exp(x);
  // The exact value lies strictly between the neighbouring doubles of e; if both round
  // to the same float32, so does every value between them.
  const below = f32(nextDouble(e, -1));
  if (below === f32(nextDouble(e, 1))) return below;
  return exactExpF32(x);
}

const doubleView = new DataView(new ArrayBuffer(8));

/** The neighbouring double of a finite positive x, upwards (direction 1) or downwards (−1). */
function nextDouble(x: number, direction: 1 | -1): number {
  if (x === 0) return direction > 0 ? Number.MIN_VALUE : 0;
  doubleView.setFloat64(0, x);
  doubleView.setBigUint64(0, doubleView.getBigUint64(0) + BigInt(direction));
  return doubleView.getFloat64(0);
}

/**
 * exp(x) to float32 from an exact BigInt evaluation with `fractionBits` bits: the Taylor
 * series of exp(x / 2^m) (|x / 2^m| < 2^-8), squared m times, gives an enclosure
 * [value − error, value + error]; when both ends round alike that is the answer, else
 * the precision doubles (exp of a non-zero dyadic is never exactly a rounding boundary).
 */
function exactExpF32(x: number): number {
  for (let fractionBits = 400; ; fractionBits *= 2) {
    const one = 1n << BigInt(fractionBits);
    // A float32 is an integer multiple of 2^-149; scaling by a power of two is exact.
    const scaled = BigInt(x * 2 ** 149) << BigInt(fractionBits - 149);
    const halvings = Math.max(0, Math.ceil(Math.log2(-x || 1)) + 8);
    const y = scaled >> BigInt(halvings); // exact: scaled has ≥ fractionBits − 149 low zero bits
    let sum = one;
    let term = one;
    for (let k = 1n; term !== 0n; k++) {
      term = (term * y) / (k << BigInt(fractionBits));
      sum += term;
    }
    for (let i = 0; i < halvings; i++) sum = (sum * sum) >> BigInt(fractionBits);
    // Truncations: < 2^8 units in the series, at most doubled (+1) by each squaring.
    const error = 1n << BigInt(halvings + 10);
    const low = fixedToF32(sum - error, fractionBits);
    if (low === fixedToF32(sum + error, fractionBits)) return low;
  }
}

/** value · 2^-fractionBits (value ≥ 0) rounded to the nearest float32, ties to even. */
function fixedToF32(value: bigint, fractionBits: number): number {
  if (value <= 0n) return 0;
  const leading = value.toString(2).length - 1 - fractionBits; // 2^leading ≤ value < 2^(leading+1)
  const lsbExponent = Math.max(leading - 23, -149);
  const drop = BigInt(lsbExponent + fractionBits);
  let kept = value >> drop;
  const remainder = value - (kept << drop);
  const half = 1n << (drop - 1n);
  if (remainder > half || (remainder === half && (kept & 1n) === 1n)) kept += 1n;
  return f32(Number(kept) * 2 ** lsbExponent);
}
