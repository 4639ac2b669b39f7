#!/usr/bin/env bash
# Builds edgeq_train_kernels.wasm (WebAssembly SIMD128) from edgeq_train_kernels.c with
# Debian's clang + lld. The module imports the tfjs wasm backend's memory, so it must not
# place anything in linear memory itself: the build fails if the code has static data or
# touches the shadow stack. Output goes to build/ (git-ignored), written atomically.
# Usage: packages/qat/wasm/build.sh [--if-stale]   (bootstrap.sh passes --if-stale: skip
# the build when the module is newer than its source and this script)
set -euo pipefail
source "$(dirname "$0")/../../../scripts/wasm-build-lib.sh"
wasm_build_begin "$0" edgeq_train_kernels "${1:-}"
flags=("${WASM_SIMD_FLAGS[@]}" -Wno-gnu-zero-variadic-macro-arguments)
asm="$(clang "${flags[@]}" -S -o - "$src")"
if grep -q '__stack_pointer' <<<"$asm"; then
  echo "build.sh: $src uses the shadow stack (tfjs owns the memory); keep locals in registers" >&2; exit 1
fi
if grep -Eq '\.section\s+\.(data|rodata|bss)' <<<"$asm"; then
  echo "build.sh: $src has static data (tfjs owns the memory)" >&2; exit 1
fi
wasm_build_link "$out" "${flags[@]}" -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all "$src"
