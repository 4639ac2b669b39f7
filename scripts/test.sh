#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, type-checks, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
npx tsc -p tsconfig.json --noEmit
npx vitest run "$@"
