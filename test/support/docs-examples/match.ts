/**
 * Docs examples, step 3 of 3 (extract → run → match): compares the output a doc shows
 * with the output a command printed, and rewrites the doc's lines from a real run
 * (`--update`) while keeping the placeholders that still match.
 *
 * Placeholder rules (the only masking there is; whole lines are never ignored):
 * - `<n>` matches one number: optional minus, digits with optional thousands commas, optional
 *   decimals (timings, images/s);
 * - `…` matches any text within the line (e.g. an absolute path before `/packages/…`);
 * - a run of spaces matches any run of one or more spaces (column padding around a `<n>`);
 * - a line holding only `...` matches any number of lines, none included.
 * Trailing spaces are ignored on both sides.
 */

/** The doc line that matches any number of printed lines. */
export const ANY_LINES = '...';

const NUMBER = '-?\\d[\\d,]*(?:\\.\\d+)?';

function isAnyLines(pattern: string): boolean {
  return pattern.trim() === ANY_LINES;
}

function patternRegex(pattern: string): RegExp {
  const parts = pattern.replace(/\s+$/, '').split(/(<n>|…| +)/);
  const source = parts
    .map((part) => {
      if (part === '<n>') return NUMBER;
      if (part === '…') return '.*?';
      if (/^ +$/.test(part)) return ' +';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** Whether one printed line matches one doc line (not an `...` line). */
export function lineMatches(pattern: string, actual: string): boolean {
  return patternRegex(pattern).test(actual.replace(/\s+$/, ''));
}

/** One step of the cheapest alignment of doc lines with printed lines. */
type Step =
  | { kind: 'match'; pattern: number; actual: number }
  | { kind: 'absorb'; pattern: number; actual: number } // an `...` line takes a printed line
  | { kind: 'replace'; pattern: number; actual: number } // a doc line where a different line was printed
  | { kind: 'extra'; actual: number } // a printed line the doc does not show
  | { kind: 'missing'; pattern: number }; // a doc line nothing printed

/**
 * Edit-distance alignment. `...` lines cost `absorbCost` per line they take: 0 to decide whether
 * the output matches, a little more for --update, so that a changed line right after `...` is
 * seen as replaced rather than swallowed.
 */
function align(patterns: readonly string[], actual: readonly string[], absorbCost = 0): { cost: number; steps: Step[] } {
  const p = patterns.length;
  const a = actual.length;
  const INF = Number.MAX_SAFE_INTEGER;
  // cost[i][j]: cheapest alignment of patterns[i..] with actual[j..].
  const cost: number[][] = Array.from({ length: p + 1 }, () => new Array<number>(a + 1).fill(INF));
  const matches = patterns.map((pat) => (isAnyLines(pat) ? undefined : patternRegex(pat)));
  for (let i = p; i >= 0; i--) {
    for (let j = a; j >= 0; j--) {
      if (i === p) {
        cost[i][j] = a - j;
        continue;
      }
      let best = INF;
      const regex = matches[i];
      if (regex === undefined) {
        best = cost[i + 1][j]; // `...` ends here
        if (j < a) best = Math.min(best, cost[i][j + 1] + absorbCost); // `...` takes actual[j]
      } else {
        if (j < a && regex.test(actual[j].replace(/\s+$/, ''))) best = cost[i + 1][j + 1];
        if (j < a) best = Math.min(best, cost[i + 1][j + 1] + 1);
        best = Math.min(best, cost[i + 1][j] + 1);
        if (j < a) best = Math.min(best, cost[i][j + 1] + 1);
      }
      cost[i][j] = best;
    }
  }
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < p || j < a) {
    const here = cost[i][j];
    const regex = i < p ? matches[i] : null;
    if (i < p && regex === undefined) {
      if (cost[i + 1][j] === here) i++;
      else steps.push({ kind: 'absorb', pattern: i, actual: j++ });
    } else if (i < p && regex && j < a && regex.test(actual[j].replace(/\s+$/, '')) && cost[i + 1][j + 1] === here) {
      steps.push({ kind: 'match', pattern: i++, actual: j++ });
    } else if (i < p && j < a && cost[i + 1][j + 1] + 1 === here) {
      steps.push({ kind: 'replace', pattern: i++, actual: j++ });
    } else if (i < p && cost[i + 1][j] + 1 === here) {
      steps.push({ kind: 'missing', pattern: i++ });
    } else {
      steps.push({ kind: 'extra', actual: j++ });
    }
  }
  return { cost: cost[0][0], steps };
}

/** The first difference between a doc's lines and the printed lines. */
export interface OutputDifference {
  /** Index into the doc's output lines (where the difference is, or would be inserted). */
  readonly index: number;
  /** The doc's line there (undefined: the doc shows no more lines). */
  readonly expected?: string;
  /** The printed line there (undefined: the command printed no more lines). */
  readonly actual?: string;
}

/**
 * Compare printed output with the doc's lines; undefined when they match.
 * @param expected the doc's output lines (with placeholders)
 * @param actual the printed lines
 */
export function compareOutput(expected: readonly string[], actual: readonly string[]): OutputDifference | undefined {
  const { cost, steps } = align(expected, actual);
  if (cost === 0) return undefined;
  let nextPattern = 0;
  let k = 0;
  while (k < steps.length && (steps[k].kind === 'match' || steps[k].kind === 'absorb')) {
    const step = steps[k++] as { kind: 'match' | 'absorb'; pattern: number };
    nextPattern = step.kind === 'match' ? step.pattern + 1 : step.pattern;
  }
  // The run of unmatched steps starting at k: a doc line missing and/or a printed line extra.
  let missing: number | undefined;
  let extra: number | undefined;
  for (; k < steps.length; k++) {
    const step = steps[k];
    if (step.kind === 'replace') {
      missing ??= step.pattern;
      extra ??= step.actual;
    } else if (step.kind === 'missing') missing ??= step.pattern;
    else if (step.kind === 'extra') extra ??= step.actual;
    else break;
  }
  return {
    index: missing ?? nextPattern,
    expected: missing === undefined ? undefined : expected[missing],
    actual: extra === undefined ? undefined : actual[extra],
  };
}

/**
 * The doc lines to write for a command that printed `actual`: the doc's own line wherever it
 * still matches (so placeholders survive), the printed line elsewhere. A doc `...` line is
 * kept where it still stands for at least one printed line.
 */
export function updatedOutput(expected: readonly string[], actual: readonly string[]): string[] {
  const { steps } = align(expected, actual, 1 / (actual.length + 1));
  const lines: string[] = [];
  let lastAbsorbing = -1;
  for (const step of steps) {
    if (step.kind === 'match') lines.push(expected[step.pattern]);
    else if (step.kind === 'extra' || step.kind === 'replace') lines.push(actual[step.actual].replace(/\s+$/, ''));
    else if (step.kind === 'absorb' && step.pattern !== lastAbsorbing) {
      lines.push(expected[step.pattern]);
      lastAbsorbing = step.pattern;
    }
  }
  return lines;
}
