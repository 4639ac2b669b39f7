/**
 * Output comparison between the interpreter and a device/host run: exact-match rate,
 * maximum |difference| in LSB, and the first mismatching vectors and elements.
 */

export interface Mismatch {
  vector: number;
  /** Position of the graph output holding the element, for graphs with several outputs. */
  output?: number;
  element: number;
  expected: number;
  actual: number;
}

export interface ParityStats {
  vectors: number;
  elements: number;
  /** Vectors whose whole output matched bit for bit. */
  exactVectors: number;
  mismatchedElements: number;
  maxAbsDiff: number;
  firstMismatches: Mismatch[];
}

/** Compare int8 outputs, vector by vector. */
export function compareOutputs(expected: Int8Array[], actual: Int8Array[], keep = 10): ParityStats {
  const stats: ParityStats = { vectors: expected.length, elements: 0, exactVectors: 0, mismatchedElements: 0, maxAbsDiff: 0, firstMismatches: [] };
  expected.forEach((e, v) => {
    const a = actual[v];
    let exact = a !== undefined && a.length === e.length;
    for (let i = 0; i < e.length; i++) {
      stats.elements++;
      const av = a?.[i];
      if (av === e[i]) continue;
      exact = false;
      stats.mismatchedElements++;
      const d = av === undefined ? 256 : Math.abs(av - e[i]);
      stats.maxAbsDiff = Math.max(stats.maxAbsDiff, d);
      if (stats.firstMismatches.length < keep) stats.firstMismatches.push({ vector: v, element: i, expected: e[i], actual: av ?? NaN });
    }
    if (exact) stats.exactVectors++;
  });
  return stats;
}

/** One line a person reads: "parity: 1000/1000 bit-exact on host (gcc)". */
export function parityLine(stats: ParityStats, where: string): string {
  const base = `parity: ${stats.exactVectors}/${stats.vectors} bit-exact on ${where}`;
  if (stats.exactVectors === stats.vectors) return base;
  const pct = ((100 * stats.mismatchedElements) / Math.max(1, stats.elements)).toFixed(3);
  return `${base} — ${stats.mismatchedElements} elements differ (${pct}%), max |diff| ${stats.maxAbsDiff} LSB`;
}
