#!/usr/bin/env bash
# Builds edgeq_train_kernels.wasm (WebAssembly SIMD128) from edgeq_train_kernels.c with
# Debian's clang + lld. The module imports the tfjs wasm backend's memory, so it must not
# place anything in linear memory itself: the build fails if the code has static data or
# touches the shadow stack. Output goes to build/ (git-ignored), written atomically.
# Usage: packages/qat/wasm/build.sh [--if-stale]   (bootstrap.sh passes --if-stale: skip
# the build when the module is newer than its source and this script)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/edgeq_train_kernels.c"
out="$here/build/edgeq_train_kernels.wasm"
if [ "${1:-}" = "--if-stale" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$0" ]; then exit 0; fi
for tool in clang wasm-ld; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (Debian packages clang and lld)" >&2; exit 1; }
done
mkdir -p "$here/build"
flags=(--target=wasm32 -msimd128 -O3 -std=c99 -Wall -Wextra -Werror -pedantic -Wno-gnu-zero-variadic-macro-arguments -nostdlib -ffreestanding)
asm="$(clang "${flags[@]}" -S -o - "$src")"
if grep -q '__stack_pointer' <<<"$asm"; then
  echo "build.sh: $src uses the shadow stack (tfjs owns the memory); keep locals in registers" >&2; exit 1
fi
if grep -Eq '\.section\s+\.(data|rodata|bss)' <<<"$asm"; then
  echo "build.sh: $src has static data (tfjs owns the memory)" >&2; exit 1
fi
tmp="$(mktemp "$here/build/.kernels.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
clang "${flags[@]}" -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -o "$tmp" "$src"
mv "$tmp" "$out"
trap - EXIT
echo "built $out ($(stat -c %s "$out") bytes)"
