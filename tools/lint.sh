#!/usr/bin/env bash
# Checks the Swift formatting against the committed .swift-format (swift format ships with the
# toolchain). Fix what it reports with:
#   swift format -i -r Sources Tests Package.swift tools/benchmarks/Sources tools/benchmarks/Package.swift
# Usage: tools/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict -r Sources Tests Package.swift tools/benchmarks/Sources tools/benchmarks/Package.swift
echo "$0: formatting ok" >&2
