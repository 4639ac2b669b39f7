#!/usr/bin/env bash
# Installs what edgeq's commands need on a fresh Debian machine with Node 20:
# Debian packages (only those missing; apt-get needs root) and the pnpm workspace.
# Sourced by scripts/test.sh and scripts/demo.sh; safe to run repeatedly.
set -euo pipefail

EDGEQ_APT_PACKAGES=(
  gcc make
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  qemu-system-arm
  dataset-fashion-mnist
  flatbuffers-compiler
  chromium
  clang lld
)

missing=()
for pkg in "${EDGEQ_APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "edgeq: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pnpm: use the pinned version through npx (corepack's signature check fails on some machines).
PNPM=(npx -y pnpm@9.15.9)
export PNPM_CMD="${PNPM[*]}"
if [ -f pnpm-lock.yaml ]; then
  "${PNPM[@]}" install --frozen-lockfile --reporter=silent
else
  "${PNPM[@]}" install --reporter=silent
fi

# edgeq's WebAssembly SIMD training kernels (packages/qat), rebuilt when the source changed.
bash packages/qat/wasm/build.sh --if-stale
# The integer interpreter's WebAssembly SIMD kernels (packages/ir), rebuilt when the source changed.
bash packages/ir/wasm/build.sh --if-stale
