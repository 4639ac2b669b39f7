#!/usr/bin/env bash
# Builds every @edgeq package to JavaScript with type declarations (packages/*/dist, via
# each package's tsconfig.build.json) and, with --pack DIR, writes one npm tarball per
# package into DIR (pnpm pack: workspace:* becomes the real version and publishConfig
# points exports/types/bin at dist, so the installed packages need no tsx).
# Usage: scripts/build-packages.sh [--pack DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(ir runtime-c codegen harness tflite qat cli)
configs=()
for p in "${PACKAGES[@]}"; do configs+=("packages/$p/tsconfig.build.json"); done
npx tsc -b "${configs[@]}"
if [ "${1:-}" = "--pack" ]; then
  dest="$(mkdir -p "${2:?--pack needs a directory}" && cd "$2" && pwd)"
  for p in "${PACKAGES[@]}"; do
    (cd "packages/$p" && npx -y pnpm@9.15.9 pack --pack-destination "$dest" >/dev/null)
  done
  ls "$dest"/*.tgz
fi
