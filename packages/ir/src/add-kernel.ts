/**
 * The interpreter's prepared ADD kernel: the same results as the scalar reference `add` of
 * kernels.ts (docs/quantization-spec.md), bit for bit, at a fraction of its cost.
 *
 * Two observations make it fast:
 *  1. Each input's rescaled term depends on one int8 value only, so it is a 256-entry
 *     table, filled once per op by the reference requantisation itself (exact by
 *     construction; the per-element left shift and two input requantisations disappear).
 *  2. The output requantisation of the int32 sum is a 64-bit rounding shift of s·m. It is
 *     computed exactly in float64 by splitting the multiplier m = mHi·2^16 + mLo once per
 *     op (see `AddKernel.runSplit` for the argument), instead of per element as the
 *     general `mulRoundShift` of quant-math.ts must.
 * Cases outside the fast paths' preconditions (output left shifts) run the reference.
 * Once an op has processed 65,536 elements, it evaluates those loops once on every int8
 * pair and from then on looks results up in that 64 KiB table (a copy of their outputs,
 * hence exact whenever they are).
 */

import type { QuantScheme } from './qgraph.js';
import type { AddParams } from './op-params.js';
import { add as referenceAdd } from './kernels.js';
import { addArithmetic } from './requant-derive.js';
import { INT32_MAX, INT32_MIN, pow2Shift, saturateInt32 } from './quant-math.js';
import { requantFunction } from './requant-rows.js';

/** How the output of the summed terms is requantised (one specialised loop each). */
export type OutputMode = 'split' | 'pow2' | 'xnnpack' | 'reference';

/** An ADD op prepared for repeated execution: per-input term tables and output constants. */
export class AddKernel {
  /** Which loop runs this op (exposed for tests). */
  readonly mode: OutputMode;
  /** Rescaled term of input 1 (resp. 2) for int8 value v at index v + 128. */
  private readonly t1 = new Float64Array(256);
  private readonly t2 = new Float64Array(256);
  /** Output multiplier halves (split mode): m = mHi·2^16 + mLo. */
  private readonly mHi: number = 0;
  private readonly mLo: number = 0;
  /** Split mode: 2^(r−17) and 2^−(r−16) for the rounding shift by r of s·m. */
  private readonly bias1: number = 0;
  private readonly inv1: number = 0;
  /** Split mode, double rounding only: RoundingDivideByPOT by e (e = 0 means none). */
  private readonly rdbp: boolean = false;
  private readonly bias2: number = 0;
  private readonly neg2: number = 0;
  private readonly inv2: number = 1;
  /** pow2 mode: the output shift. xnnpack mode: 2^(shift−1) and 2^−shift. */
  private readonly outShift: number = 0;
  private readonly half: number = 0;
  private readonly invPow: number = 1;

  /**
   * @param p the op's derived parameters (op-params.ts `addParams`)
   * @param scheme the graph's requantisation scheme
   */
  constructor(private readonly p: AddParams, private readonly scheme: QuantScheme) {
    // The arithmetic the reference applies (fp32 outside XNNPACK's range falls back to tflm).
    const arithmetic = addArithmetic(p.leftShift, scheme);
    const xnnpack = arithmetic === 'xnnpack';
    const eff: QuantScheme = xnnpack ? scheme : arithmetic;
    const m = p.out.multiplier[0];
    const shift = p.out.shift[0];
    if (xnnpack) {
      // Terms m·(v − zp): |m| < 2^21, |v − zp| ≤ 255, so every sum below is an exact integer.
      for (let v = -128; v < 128; v++) {
        this.t1[v + 128] = p.in1.multiplier[0] * (v - p.in1Zp);
        this.t2[v + 128] = p.in2.multiplier[0] * (v - p.in2Zp);
      }
      this.mode = 'xnnpack';
      this.half = 2 ** shift / 2;
      this.invPow = 2 ** -shift;
      return;
    }
    const rq = requantFunction(eff);
    const lsh = 2 ** p.leftShift;
    for (let v = -128; v < 128; v++) {
      this.t1[v + 128] = rq((v - p.in1Zp) * lsh, p.in1.multiplier[0], p.in1.shift[0]);
      this.t2[v + 128] = rq((v - p.in2Zp) * lsh, p.in2.multiplier[0], p.in2.shift[0]);
    }
    if (eff.scales === 'pow2') {
      this.mode = 'pow2';
      this.outShift = shift;
      return;
    }
    // Double rounding: SRDHM (r = 31) then RoundingDivideByPOT(−shift), for shift ≤ 0.
    // Single rounding: one rounding shift by r = 31 − shift, for r ≥ 17.
    const double = eff.rounding === 'tflm';
    const r = double ? 31 : 31 - shift;
    if ((double && shift > 0) || r < 17) {
      this.mode = 'reference';
      return;
    }
    this.mode = 'split';
    this.mHi = Math.floor(m / 65536);
    this.mLo = m - this.mHi * 65536;
    this.bias1 = 2 ** (r - 17);
    this.inv1 = 2 ** -(r - 16);
    if (double && shift < 0) {
      const e = -shift;
      this.rdbp = true;
      this.bias2 = 2 ** (e - 1);
      this.neg2 = 1;
      this.inv2 = 2 ** -e;
    }
  }

  /** Every result, at index (a + 128)·256 + (b + 128), once enough elements have run. */
  private table: Int8Array | undefined;
  /** Elements processed before the table exists. */
  private work = 0;

  /** y = ADD(a, b), elementwise over equal-length int8 tensors. */
  run(a: Int8Array, b: Int8Array, y: Int8Array): void {
    if (!this.table) {
      this.work += y.length;
      if (this.work < TABLE_AFTER) return this.compute(a, b, y);
      this.table = new Int8Array(65536);
      this.compute(ALL_A, ALL_B, this.table);
    }
    const t = this.table;
    for (let i = 0; i < y.length; i++) y[i] = t[((a[i] + 128) << 8) | (b[i] + 128)];
  }

  /** y = ADD(a, b) by the op's specialised loop. */
  private compute(a: Int8Array, b: Int8Array, y: Int8Array): void {
    switch (this.mode) {
      case 'split':
        return this.runSplit(a, b, y);
      case 'pow2':
        return this.runPow2(a, b, y);
      case 'xnnpack':
        return this.runXnnpack(a, b, y);
      case 'reference':
        return referenceAdd(a, b, y, this.p, this.scheme);
    }
  }

  /**
   * Fixed scales, double or single rounding. With s = saturate(t1 + t2) an int32 and
   * 0 ≤ m < 2^31, the reference computes h = floor((s·m + 2^(r−1)) / 2^r) on the exact
   * 64-bit product (mulRoundShift). Write m = mHi·2^16 + mLo (mHi < 2^15, mLo < 2^16) and
   * s·mLo = q·2^16 + ρ with q = floor(s·mLo / 2^16), 0 ≤ ρ < 2^16. For r ≥ 17,
   *   s·m + 2^(r−1) = (s·mHi + q + 2^(r−17))·2^16 + ρ,
   * and since 2^r is a multiple of 2^16 and ρ < 2^16, ρ never carries across a multiple of
   * 2^r: h = floor((s·mHi + q + 2^(r−17)) / 2^(r−16)). Every quantity is an exact float64:
   * |s·mLo| < 2^47, |s·mHi| < 2^46, 2^(r−17) ≤ 2^45 (r ≤ 62), their sum < 2^47; dividing by
   * (multiplying by the inverse of) a power of two is exact, and so is floor.
   * Double rounding (r = 31, SRDHM) follows with gemmlowp's RoundingDivideByPOT by e ≥ 1,
   * which equals floor((h + 2^(e−1) − [h < 0]) / 2^e) (derivation in requant-rows.ts), again
   * exact since |h| < 2^31. Single rounding's int32 saturation of h is skipped: any h
   * outside int32 lands outside [actMin − outZp, actMax − outZp] either way, so the final
   * clamp gives the same int8.
   */
  private runSplit(a: Int8Array, b: Int8Array, y: Int8Array): void {
    const { t1, t2, mHi, mLo, bias1, inv1, rdbp, bias2, neg2, inv2 } = this;
    const { outZp, actMin, actMax } = this.p;
    const n = y.length;
    for (let i = 0; i < n; i++) {
      let s = t1[a[i] + 128] + t2[b[i] + 128];
      s = s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : s;
      let h = Math.floor((s * mHi + Math.floor(s * mLo * TWO_POW_MINUS_16) + bias1) * inv1);
      if (rdbp) h = Math.floor((h + bias2 - (h < 0 ? neg2 : 0)) * inv2);
      const v = h + outZp;
      y[i] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  }

  /** pow2 scales: aligned terms summed, saturated and shifted as the reference does. */
  private runPow2(a: Int8Array, b: Int8Array, y: Int8Array): void {
    const { t1, t2, outShift } = this;
    const { outZp, actMin, actMax } = this.p;
    for (let i = 0; i < y.length; i++) {
      const v = pow2Shift(saturateInt32(t1[a[i] + 128] + t2[b[i] + 128]), outShift) + outZp;
      y[i] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  }

  /** fp32 in XNNPACK's range: floor((m1·d1 + m2·d2 + 2^(shift−1)) / 2^shift), exact (|sum| < 2^31). */
  private runXnnpack(a: Int8Array, b: Int8Array, y: Int8Array): void {
    const { t1, t2, half, invPow } = this;
    const { outZp, actMin, actMax } = this.p;
    for (let i = 0; i < y.length; i++) {
      const v = Math.floor((t1[a[i] + 128] + t2[b[i] + 128] + half) * invPow) + outZp;
      y[i] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  }
}

const TWO_POW_MINUS_16 = 2 ** -16;
/** Elements an op processes by arithmetic before it builds its 65,536-entry table. */
const TABLE_AFTER = 65536;
/** Every int8 pair (a, b), a in the high byte: the table's inputs. */
const ALL_A = new Int8Array(65536).map((_, i) => (i >> 8) - 128);
const ALL_B = new Int8Array(65536).map((_, i) => (i & 255) - 128);
