#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, type-checks, runs every
# test, and ends with one plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
npx tsc -p tsconfig.json --noEmit
mkdir -p .tmp
summary=.tmp/vitest-summary.json
rm -f "$summary"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$summary" "$@" || status=$?
if [ -f "$summary" ]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));' "$summary"
fi
exit "$status"
