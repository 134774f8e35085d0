#!/usr/bin/env bash
# Installs the system packages NCERescore and its recipes need, only those that are missing
# (checked with dpkg -s), non-interactively; uses sudo unless run as root. Idempotent: a second
# run installs nothing and does not touch the network.
#
# Packages: libopenblas-dev libzstd-dev pkg-config (build), zstd (recipes read .zst data),
# gnuplot-nox (the PTB recipe's validation-perplexity plot), shellcheck (tests lint the recipes).
# Usage: tools/install-deps.sh [--dry-run]   (--dry-run: print what would be installed)
# Needs a Debian/Ubuntu system with apt-get; the Swift toolchain itself is not installed here.
set -euo pipefail

packages=(libopenblas-dev libzstd-dev pkg-config zstd gnuplot-nox shellcheck)
dry_run=false
case "${1:-}" in
  "") ;;
  --dry-run) dry_run=true ;;
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "$0: unknown argument '$1' (usage: $0 [--dry-run])" >&2; exit 64 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then missing+=("$p"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "$0: all dependencies present (${packages[*]})" >&2
  exit 0
fi
echo "$0: installing ${missing[*]}" >&2
if $dry_run; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$0: apt-get not found; install ${missing[*]} with your package manager" >&2; exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "$0: not root and no sudo; install ${missing[*]} as root" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
