#!/usr/bin/env bash
# The README's main command (`npm run demo`): installs what is missing, then runs the end-to-end demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
npx tsx examples/fashion-mnist/run.ts "$@"
