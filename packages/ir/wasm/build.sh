#!/usr/bin/env bash
# Builds edgeq_interpreter_kernels.wasm (WebAssembly SIMD128) from edgeq_interpreter_kernels.c
# with Debian's clang + lld, the toolchain packages/qat/wasm/build.sh uses. The module exports
# its own memory and __heap_base (where packages/ir/src/wasm/ starts laying out buffers).
# Output goes to build/ (git-ignored), written atomically.
# Usage: packages/ir/wasm/build.sh [--if-stale]   (bootstrap.sh passes --if-stale: skip the
# build when the module is newer than its source and this script)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/edgeq_interpreter_kernels.c"
out="$here/build/edgeq_interpreter_kernels.wasm"
if [ "${1:-}" = "--if-stale" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$0" ]; then exit 0; fi
for tool in clang wasm-ld; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (Debian packages clang and lld)" >&2; exit 1; }
done
mkdir -p "$here/build"
flags=(--target=wasm32 -msimd128 -O3 -std=c99 -Wall -Wextra -Werror -pedantic -nostdlib -ffreestanding)
asm="$(clang "${flags[@]}" -S -o - "$src")"
if grep -Eq '\.section\s+\.(data|rodata|bss)' <<<"$asm"; then
  echo "build.sh: $src has static data (the kernels take every table from their descriptor)" >&2; exit 1
fi
tmp="$(mktemp "$here/build/.kernels.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
clang "${flags[@]}" -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all -o "$tmp" "$src"
mv "$tmp" "$out"
trap - EXIT
echo "built $out ($(stat -c %s "$out") bytes)"
