/**
 * Command-line options of the bench scripts that share them: `--name value` pairs read from
 * process.argv, and positive integers checked with an error that names the option.
 */

/** The value after `--name`, or `fallback` when the option is absent. */
export function argValue(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** `--name N` as a positive integer (else `fallback`); anything else is refused, naming the option. */
export function positiveIntArg(name: string, fallback: string): number {
  const v = argValue(name, fallback) as string;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: ${v} is not a positive integer`);
  return n;
}
