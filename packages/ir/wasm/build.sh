#!/usr/bin/env bash
# Builds edgeq_interpreter_kernels.wasm (WebAssembly SIMD128) from edgeq_interpreter_kernels.c
# with the toolchain of the training kernels (scripts/wasm-build-lib.sh). The module exports
# its own memory and __heap_base (where packages/ir/src/wasm/ starts laying out buffers).
# Output goes to build/ (git-ignored).
# Usage: packages/ir/wasm/build.sh [--if-stale]   (bootstrap.sh passes --if-stale: skip the
# build when the module is newer than its source and this script)
set -euo pipefail
source "$(dirname "$0")/../../../scripts/wasm-build-lib.sh"
wasm_build_begin "$0" edgeq_interpreter_kernels "${1:-}"
if clang "${WASM_SIMD_FLAGS[@]}" -S -o - "$src" | grep -Eq '\.section\s+\.(data|rodata|bss)'; then
  echo "build.sh: $src has static data (the kernels take every table from their descriptor)" >&2; exit 1
fi
wasm_build_link "$out" "${WASM_SIMD_FLAGS[@]}" -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all "$src"
