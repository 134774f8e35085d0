#!/usr/bin/env bash
# Checks that another package can depend on NCERescore's library products: SwiftPM refuses
# unsafe build flags in fetched dependencies, so the CPU tuning must stay out of a checkout.
#
# Usage: tools/check-dependent-package.sh
# Builds (debug) a throw-away package in a temporary directory that depends on this repository's
# committed HEAD as a released version (SwiftPM refuses unsafe flags only in version-pinned
# dependencies, so HEAD is cloned and tagged 1.0.0 there) and imports FileIO, NCECore, NCEModel, NBestRescoring,
# WERScoring and ToolSupport. Exits non-zero when that build fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
revision=$(git -C "$root" rev-parse HEAD)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/NCERescore"
git -C "$work/NCERescore" tag 1.0.0 "$revision"

mkdir -p "$work/Consumer/Sources/Consumer"
cat > "$work/Consumer/Package.swift" <<MANIFEST
// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Consumer",
  dependencies: [.package(url: "file://$work/NCERescore", exact: "1.0.0")],
  targets: [
    .executableTarget(
      name: "Consumer",
      dependencies: [
        .product(name: "FileIO", package: "NCERescore"),
        .product(name: "NCECore", package: "NCERescore"),
        .product(name: "NCEModel", package: "NCERescore"),
        .product(name: "NBestRescoring", package: "NCERescore"),
        .product(name: "WERScoring", package: "NCERescore"),
        .product(name: "ToolSupport", package: "NCERescore"),
      ])
  ]
)
MANIFEST
cat > "$work/Consumer/Sources/Consumer/main.swift" <<'SOURCE'
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
swift build --package-path "$work/Consumer" >&2
"$(swift build --package-path "$work/Consumer" --show-bin-path)/Consumer"
