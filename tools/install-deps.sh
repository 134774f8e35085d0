#!/usr/bin/env bash
# Installs the system packages NCERescore needs on Debian/Ubuntu (idempotent, non-interactive).
set -euo pipefail
packages=(libopenblas-dev libzstd-dev pkg-config zstd)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
