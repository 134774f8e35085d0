#!/usr/bin/env bash
# Checks that another package can depend on NCERescore's library products: SwiftPM refuses
# unsafe build flags in fetched dependencies, so the CPU tuning must stay out of a checkout.
#
# Usage: tools/check-dependent-package.sh
# Builds (debug) a throw-away package in a temporary directory that depends on this repository's
# committed HEAD through a file:// git URL and imports FileIO, NCECore, NCEModel, NBestRescoring,
# WERScoring and ToolSupport. Exits non-zero when that build fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
revision=$(git -C "$root" rev-parse HEAD)
# SwiftPM names a URL dependency after the last component of its URL.
identity=$(basename "$root")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/Sources/Consumer"
cat > "$work/Package.swift" <<MANIFEST
// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Consumer",
  dependencies: [.package(url: "file://$root", revision: "$revision")],
  targets: [
    .executableTarget(
      name: "Consumer",
      dependencies: [
        .product(name: "FileIO", package: "$identity"),
        .product(name: "NCECore", package: "$identity"),
        .product(name: "NCEModel", package: "$identity"),
        .product(name: "NBestRescoring", package: "$identity"),
        .product(name: "WERScoring", package: "$identity"),
        .product(name: "ToolSupport", package: "$identity"),
      ])
  ]
)
MANIFEST
cat > "$work/Sources/Consumer/main.swift" <<'SOURCE'
import FileIO
import NBestRescoring
import NCECore
import NCEModel
import ToolSupport
import WERScoring

let matrix = Matrix(rows: 2, cols: 3, repeating: 1)
print("dependent package: \(matrix.count) floats; linked \(Vocabulary.self), \(WeightGrid.self), \(InputError.self)")
SOURCE
echo "$0: building a package that depends on $root at $revision" >&2
swift build --package-path "$work" >&2
"$(swift build --package-path "$work" --show-bin-path)/Consumer"
