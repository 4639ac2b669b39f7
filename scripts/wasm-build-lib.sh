# Shared steps of the WebAssembly SIMD kernel builds (packages/qat/wasm/build.sh,
# packages/ir/wasm/build.sh), sourced by them: Debian's clang + lld, C99, warnings as errors,
# no libc; the module is written atomically.

# Compiler flags every kernel module is built with.
WASM_SIMD_FLAGS=(--target=wasm32 -msimd128 -O3 -std=c99 -Wall -Wextra -Werror -pedantic -nostdlib -ffreestanding)

# wasm_build_begin SCRIPT NAME [--if-stale]: sets src (NAME.c beside SCRIPT) and out
# (build/NAME.wasm there); exits 0 when --if-stale is given and out is newer than src and
# SCRIPT; otherwise checks the tools and creates out's directory.
wasm_build_begin() {
  local here
  here="$(cd "$(dirname "$1")" && pwd)"
  src="$here/$2.c"
  out="$here/build/$2.wasm"
  if [ "${3:-}" = "--if-stale" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$1" ]; then exit 0; fi
  for tool in clang wasm-ld; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (Debian packages clang and lld)" >&2; exit 1; }
  done
  mkdir -p "$here/build"
}

# wasm_build_link OUT CLANG_ARGS...: compile and link into a temporary file, then rename to OUT.
wasm_build_link() {
  local out="$1"
  shift
  local tmp
  tmp="$(mktemp "$(dirname "$out")/.kernels.XXXXXX")"
  trap 'rm -f "$tmp"' EXIT
  clang "$@" -o "$tmp"
  mv "$tmp" "$out"
  trap - EXIT
  echo "built $out ($(stat -c %s "$out") bytes)"
}
