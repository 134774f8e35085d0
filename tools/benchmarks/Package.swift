// swift-tools-version:6.0
// Benchmarks live outside the product's package (as swift-collections does) and depend on
// it by path. `tools/bench.sh` builds them in release mode and prints the headline table.
import PackageDescription

// The same settings as the product (see ../../Package.swift): -O with safety checks, CPU tuning.
let targetCPU = Context.environment["NCERESCORE_TARGET_CPU"] ?? "native"
let optimize: [SwiftSetting] = [
  .unsafeFlags(["-target-cpu", targetCPU], .when(configuration: .release))
]

let package = Package(
  name: "NCERescoreBenchmarks",
  dependencies: [.package(name: "NCERescore", path: "../..")],
  targets: [
    .executableTarget(
      name: "bench-core", dependencies: [.product(name: "NCECore", package: "NCERescore")],
      swiftSettings: optimize),
    .executableTarget(
      name: "bench-wer", dependencies: [.product(name: "WERScoring", package: "NCERescore")],
      swiftSettings: optimize),
    .executableTarget(
      name: "bench-rescore",
      dependencies: [
        .product(name: "NBestRescoring", package: "NCERescore"),
        .product(name: "NCEModel", package: "NCERescore"),
      ], swiftSettings: optimize),
    .executableTarget(
      name: "bench-lattice",
      dependencies: [
        .product(name: "NBestRescoring", package: "NCERescore"),
        .product(name: "NCEModel", package: "NCERescore"),
      ], swiftSettings: optimize),
    .executableTarget(
      name: "bench-train", dependencies: [.product(name: "NCEModel", package: "NCERescore")],
      swiftSettings: optimize),
  ]
)
